using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace TurnServer.Host.Tests.Integration;

/// <summary>One Kestrel serves metrics, admin and signaling, yet each role answers only on its own address.</summary>
[Collection(SequentialCollection.Name)]
public sealed class HttpEndpointsTests : IDisposable
{
    private const string Token = "operator-token-2";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task EachRoleAnswersOnlyOnItsOwnListener()
    {
        await using var server = await ServerFixture.StartAsync(
            "--prometheus", "--prometheus-port=0", $"--admin-token={Token}", "--admin-port=0",
            "--signaling-secret=s", "--signaling-address=127.0.0.1", "--signaling-port=0");
        var monitoring = server.MonitoringEndPoint!;
        var admin = server.AdminEndPoint!;
        var signaling = server.SignalingEndPoint!;
        Assert.Equal(3, new[] { monitoring.Port, admin.Port, signaling.Port }.Distinct().Count());

        Assert.Equal(HttpStatusCode.OK, await Status(monitoring, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, await Status(admin, "/admin/summary"));
        Assert.Equal(HttpStatusCode.BadRequest, await Status(signaling, "/signaling"));

        foreach (var (endPoint, path) in new[]
        {
            (monitoring, "/admin/summary"), (monitoring, "/admin/status"), (monitoring, "/signaling"),
            (admin, "/metrics"), (admin, "/healthz"), (admin, "/signaling"),
            (signaling, "/metrics"), (signaling, "/admin/allocations"),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, await Status(endPoint, path));
        }
    }

    [Fact]
    public async Task RolesGivenTheSameAddress_ShareOneListener()
    {
        var port = FreeTcpPort();
        await using var server = await ServerFixture.StartAsync(
            "--prometheus", "--prometheus-address=127.0.0.1", $"--prometheus-port={port}", $"--admin-token={Token}", "--admin-address=127.0.0.1", $"--admin-port={port}");

        Assert.Equal(server.MonitoringEndPoint, server.AdminEndPoint);
        Assert.Equal(HttpStatusCode.OK, await Status(server.MonitoringEndPoint!, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, await Status(server.AdminEndPoint!, "/admin/summary"));
    }

    private async Task<HttpStatusCode> Status(IPEndPoint endPoint, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{endPoint}{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
