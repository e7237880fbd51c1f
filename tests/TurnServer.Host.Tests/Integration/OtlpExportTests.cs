using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace TurnServer.Host.Tests.Integration;

/// <summary>With otlp-endpoint set, the server pushes its instruments to a collector (here, a receiver of OTLP over HTTP).</summary>
[Collection(SequentialCollection.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Metrics_ArePushedOverOtlpHttp()
    {
        var received = new TaskCompletionSource<(string ContentType, byte[] Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.TrySetResult((request.ContentType ?? string.Empty, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync();
        var url = collector.Urls.First();

        await using var server = await ServerFixture.StartAsync($"--otlp-endpoint={url}", "--otlp-protocol=http/protobuf", "--otlp-interval=1");
        using (var client = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password))
        {
            client.Allocate();
        }

        var (contentType, body) = await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("application/x-protobuf", contentType);

        // Protobuf carries names as UTF-8 as they are.
        var text = Encoding.UTF8.GetString(body);
        Assert.Contains("turnserver.allocations", text, StringComparison.Ordinal);
        Assert.Contains("turnserver.requests", text, StringComparison.Ordinal);
        Assert.Contains("service.name", text, StringComparison.Ordinal);
    }
}
