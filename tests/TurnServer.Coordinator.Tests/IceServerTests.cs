using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Servers;

namespace TurnServer.Coordinator.Tests;

/// <summary>STUN and TURN servers named as a WebRTC application names them (RFC 7064, RFC 7065, RTCIceServer).</summary>
public sealed class IceServerTests
{
    [Theory]
    [InlineData("stun:stun.example.com", false, "stun.example.com", 3478, ClientTransport.Udp)]
    [InlineData("stun:192.0.2.1:19302", false, "192.0.2.1", 19302, ClientTransport.Udp)]
    [InlineData("STUN:Stun.Example.com", false, "Stun.Example.com", 3478, ClientTransport.Udp)]
    [InlineData("turn:turn.example.com", true, "turn.example.com", 3478, ClientTransport.Udp)]
    [InlineData("turn:turn.example.com:3479?transport=udp", true, "turn.example.com", 3479, ClientTransport.Udp)]
    [InlineData("turn:turn.example.com?transport=tcp", true, "turn.example.com", 3478, ClientTransport.Tcp)]
    [InlineData("turn:turn.example.com?Transport=TCP", true, "turn.example.com", 3478, ClientTransport.Tcp)]
    [InlineData("turns:turn.example.com", true, "turn.example.com", 5349, ClientTransport.Tls)]
    [InlineData("turns:turn.example.com:443?transport=tcp", true, "turn.example.com", 443, ClientTransport.Tls)]
    [InlineData("turn:[2001:db8::1]:3479", true, "2001:db8::1", 3479, ClientTransport.Udp)]
    [InlineData("turn:[2001:db8::1]", true, "2001:db8::1", 3478, ClientTransport.Udp)]
    [InlineData("turn:coturn_1:3478", true, "coturn_1", 3478, ClientTransport.Udp)]
    [InlineData("turn:turn.example.com.", true, "turn.example.com.", 3478, ClientTransport.Udp)]
    [InlineData("turn:turn.example.com:", true, "turn.example.com", 3478, ClientTransport.Udp)] // port = *DIGIT (RFC 7064/7065): empty means the default
    public void Parse_ReadsHostPortAndTransport(string url, bool isTurn, string host, int port, ClientTransport transport)
    {
        var uri = IceServerUri.Parse(url);
        Assert.Equal(new IceServerUri(isTurn, host, port, transport), uri);
        Assert.Equal(uri, IceServerUri.Parse(uri.ToString())); // what it prints is a URL that reads back the same
    }

    [Theory]
    [InlineData("http://turn.example.com")]
    [InlineData("turn.example.com:3478")]
    [InlineData("stun://stun.example.com")]
    [InlineData("stun:stun.example.com?transport=udp")]
    [InlineData("turn:turn.example.com?transport=sctp")]
    [InlineData("turn:turn.example.com?foo=bar")]
    [InlineData("turn:turn.example.com?transport")]
    [InlineData("turns:turn.example.com?transport=udp")]
    [InlineData("turn:turn.example.com:0")]
    [InlineData("turn:turn.example.com:65536")]
    [InlineData("turn:turn.example.com:+80")]
    [InlineData("turn:2001:db8::1")]
    [InlineData("turn:[192.0.2.1]")]
    [InlineData("turn:[2001:db8::1]x")]
    [InlineData("turn:")]
    [InlineData("turn:exa mple.com")]
    [InlineData("turn:-example.com")]
    [InlineData("turn:example..com")]
    [InlineData("turn:user@example.com")]
    public void Parse_RefusesWhatIsNotAStunOrTurnUrl(string url) =>
        Assert.Throws<FormatException>(() => IceServerUri.Parse(url));

    [Fact]
    public async Task Resolve_KeepsTheOrder_PrefersIPv4_AndChecksTlsByTheHostName()
    {
        var names = new Dictionary<string, IPAddress[]>
        {
            ["stun.example.com"] = [IPAddress.Parse("2001:db8::5"), IPAddress.Parse("192.0.2.5"), IPAddress.Parse("192.0.2.6")],
            ["turn.example.com"] = [IPAddress.Parse("198.51.100.7")],
        };
        var servers = new[]
        {
            new IceServer(["stun:stun.example.com", "stun:203.0.113.9:3479"]),
            new IceServer(["turn:turn.example.com?transport=tcp", "turns:turn.example.com:443"], "user", "secret"),
        };

        var (stun, turn) = await IceServerResolver.ResolveAsync(servers, Resolver(names), NullLogger.Instance, CancellationToken.None);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.5"), 3478), new IPEndPoint(IPAddress.Parse("203.0.113.9"), 3479)], stun);
        Assert.Equal(2, turn.Count);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 3478), turn[0].Server);
        Assert.Equal([ClientTransport.Tcp], turn[0].Transports);
        Assert.Null(turn[0].Tls);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 443), turn[1].Server);
        Assert.Equal([ClientTransport.Tls], turn[1].Transports);
        Assert.Equal("turn.example.com", turn[1].Tls!.TargetHost);
        var credentials = await turn[1].Credentials(CancellationToken.None);
        Assert.Equal(("user", "secret"), (credentials.Username, credentials.Password));
    }

    [Fact]
    public async Task Resolve_LeavesOutANameThatDoesNotResolve_AndKeepsTheOthers()
    {
        var names = new Dictionary<string, IPAddress[]> { ["good.example.com"] = [IPAddress.Parse("192.0.2.1")] };
        var servers = new[] { new IceServer(["stun:dead.example.com", "stun:good.example.com"]) };

        var (stun, turn) = await IceServerResolver.ResolveAsync(servers, Resolver(names), NullLogger.Instance, CancellationToken.None);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 3478)], stun);
        Assert.Empty(turn);
    }

    [Fact]
    public async Task Resolve_KeepsAnApplicationsTlsCheck_WithTheHostNameAsTheTarget()
    {
        var check = new TlsClientOptions { CertificateValidation = (_, certificate, _, _) => certificate?.Subject == "CN=lab" };
        var servers = new[] { new IceServer("turns:turn.example.com", "user", "secret") { Tls = check } };
        var names = new Dictionary<string, IPAddress[]> { ["turn.example.com"] = [IPAddress.Parse("192.0.2.1")] };

        var (_, turn) = await IceServerResolver.ResolveAsync(servers, Resolver(names), NullLogger.Instance, CancellationToken.None);

        Assert.Same(check.CertificateValidation, turn[0].Tls!.CertificateValidation);
        Assert.Equal("turn.example.com", turn[0].Tls!.TargetHost);
    }

    [Theory]
    [InlineData("turn:turn.example.com", null, "secret")]
    [InlineData("turn:turn.example.com", "", "secret")]
    [InlineData("turns:turn.example.com", "user", null)]
    [InlineData("stuns:stun.example.com", null, null)]
    public async Task Resolve_RefusesATurnServerWithoutCredentials_AndStunOverTls(string url, string? username, string? credential)
    {
        var resolved = false;
        Task<IPAddress[]> Resolve(string host, CancellationToken cancellationToken)
        {
            resolved = true;
            return Task.FromResult(new[] { IPAddress.Loopback });
        }

        await Assert.ThrowsAsync<FormatException>(() => IceServerResolver.ResolveAsync([new IceServer(url, username, credential)], Resolve, NullLogger.Instance, CancellationToken.None));
        Assert.False(resolved); // a mistake in the list is found before any name is looked up
    }

    private static Func<string, CancellationToken, Task<IPAddress[]>> Resolver(Dictionary<string, IPAddress[]> names) =>
        (host, _) => names.TryGetValue(host, out var found) ? Task.FromResult(found) : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
}
