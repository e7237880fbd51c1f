using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace TurnServer.Host.Tests.Integration;

/// <summary>The admin API: token required, allocations listed and ended, settings shown without secrets.</summary>
[Collection(SequentialCollection.Name)]
public sealed class AdminApiTests : IAsyncLifetime, IDisposable
{
    private const string Token = "operator-token-1";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private ServerFixture _server = null!;

    public async Task InitializeAsync() => _server = await ServerFixture.StartAsync($"--admin-token={Token}", "--admin-port=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer operator-token-1x")]
    public async Task WithoutTheToken_EverythingIsRefused(string? authorization)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/admin/allocations"), (HttpMethod.Delete, "/admin/allocations/1"), (HttpMethod.Get, "/admin/config"), (HttpMethod.Get, "/admin/summary") })
        {
            using var request = new HttpRequestMessage(method, Url(path));
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task StatusPage_IsServedWithoutData_UnderAStrictPolicy_AndItsSummaryNeedsTheToken()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();

        foreach (var (path, type) in new[] { ("/admin/status", "text/html"), ("/admin/status.js", "text/javascript"), ("/admin/status.css", "text/css") })
        {
            using var response = await _http.GetAsync(Url(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("default-src 'none'; script-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.DoesNotContain(ServerFixture.User, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var summary = JsonDocument.Parse(await Send(HttpMethod.Get, "/admin/summary"));
        var root = summary.RootElement;
        Assert.Equal(1, root.GetProperty("allocations").GetInt32());
        Assert.Equal(1, root.GetProperty("allocationsCreated").GetInt64());
        Assert.False(root.GetProperty("draining").GetBoolean());
        Assert.Equal(0, root.GetProperty("drops").GetProperty("malformed").GetInt64());
        Assert.True(root.GetProperty("drops").TryGetProperty("connection_limit", out _));
    }

    [Fact]
    public async Task ListsAllocations_AndEndsOne()
    {
        Assert.Equal(IPAddress.Loopback, _server.AdminEndPoint!.Address);
        using var first = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        first.Allocate();
        using var second = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        second.Allocate();

        using var list = JsonDocument.Parse(await Send(HttpMethod.Get, "/admin/allocations"));
        var allocations = list.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, allocations.Length);
        Assert.Equal(ServerFixture.User, allocations[0].GetProperty("user").GetString());
        Assert.Equal(first.LocalEndPoint.ToString(), allocations[0].GetProperty("client").GetString());
        Assert.Equal("udp", allocations[0].GetProperty("transport").GetString());
        Assert.Single(allocations[0].GetProperty("relayed").EnumerateArray());
        Assert.True(allocations[0].GetProperty("expiresInSeconds").GetInt64() > 500);

        var id = allocations[0].GetProperty("id").GetInt64();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, Url($"/admin/allocations/{id}"));
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.SendAsync(delete)).StatusCode);
        Assert.Equal(1, _server.Engine.Allocations.Count);
        Assert.DoesNotContain(_server.Engine.Allocations.All, a => a.Id == id);

        using var again = new HttpRequestMessage(HttpMethod.Delete, Url($"/admin/allocations/{id}"));
        again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Config_ShowsUserNamesAndCountsSecrets_NeverTheirValues()
    {
        var text = await Send(HttpMethod.Get, "/admin/config");

        using var config = JsonDocument.Parse(text);
        Assert.Equal(ServerFixture.Realm, config.RootElement.GetProperty("realm").GetString());
        Assert.Equal([ServerFixture.User], config.RootElement.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal(1, config.RootElement.GetProperty("restSecrets").GetInt32());
        Assert.DoesNotContain(ServerFixture.Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ServerFixture.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
    }

    private Uri Url(string path) => new($"http://{_server.AdminEndPoint}{path}");

    private async Task<string> Send(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
