using System.Globalization;
using System.Text.Json;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// A real browser through our relay: headless Debian Chromium, driven by playwright-core, connects two
/// RTCPeerConnections of one page with iceTransportPolicy 'relay' and our server as the only ICE
/// server, and sends unreliable DataChannel messages both ways. The selected pair must be relay to
/// relay through our server, and every message must arrive.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class ChromiumRelayTests : IAsyncLifetime, IDisposable
{
    private const int Messages = 50;
    private static readonly string Script = Path.Combine(Testing.SharedData.RepositoryRoot, "tests", "browser", "relay-datachannel.mjs");

    private readonly TestCertificate _certificate = new();
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync($"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _certificate.Dispose();

    [RequiresBrowserTheory]
    [InlineData("udp", "long-term")]
    [InlineData("udp", "REST")]
    [InlineData("tcp", "long-term")]
    [InlineData("tcp", "REST")]
    [InlineData("tls", "long-term")]
    [InlineData("tls", "REST")]
    public async Task DataChannel_RelayOnly_ThroughOurServer_EveryMessageArrives(string transport, string credentials)
    {
        var (url, port) = transport switch
        {
            "udp" => ($"turn:127.0.0.1:{_server.EndPoint.Port}?transport=udp", _server.EndPoint.Port),
            "tcp" => ($"turn:127.0.0.1:{_server.TcpEndPoint.Port}?transport=tcp", _server.TcpEndPoint.Port),
            _ => ($"turns:127.0.0.1:{_server.TlsEndPoint.Port}?transport=tcp", _server.TlsEndPoint.Port),
        };
        var login = credentials == "REST"
            ? TurnCredentials.FromSharedSecret(ServerFixture.Secret, "browser", TimeSpan.FromHours(1))
            : new TurnCredentials(ServerFixture.User, ServerFixture.Password);
        var input = JsonSerializer.Serialize(new { url, username = login.Username, credential = login.Password, messages = Messages });

        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require("node", "nodejs"), [Script, input], TimeSpan.FromSeconds(90));
        var context = $"Chromium over {transport.ToUpperInvariant()}, {credentials} credentials (exit {exit}):\n{output}";
        Assert.True(exit == 0, context);
        using var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var root = result.RootElement;
        Assert.False(root.TryGetProperty("error", out _), context);
        Assert.True(root.GetProperty("offererToAnswerer").GetInt32() == Messages, context);
        Assert.True(root.GetProperty("answererToOfferer").GetInt32() == Messages, context);

        foreach (var side in new[] { "offererPair", "answererPair" })
        {
            var pair = root.GetProperty(side);
            var local = pair.GetProperty("local");
            var remote = pair.GetProperty("remote");
            Assert.True(local.GetProperty("type").GetString() == "relay" && remote.GetProperty("type").GetString() == "relay", context);

            // The local relay candidate was allocated on our server over the transport asked for.
            Assert.True(local.GetProperty("relayProtocol").GetString() == transport, context);
            Assert.True(local.GetProperty("url").GetString()!.Contains(port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), context);
            Assert.True(remote.GetProperty("address").GetString() == "127.0.0.1", context);
        }

        // And our server relayed it: both relayed addresses were allocations of ours.
        var relayed = _server.Engine.Counters.EndedTraffic(transport == "udp" ? Protocol.Attributes.TransportProtocol.Udp : Protocol.Attributes.TransportProtocol.Tcp);
        var live = _server.Engine.Allocations.All.Sum(a => a.Traffic.PacketsToPeer);
        Assert.True(relayed.PacketsToPeer + live >= 2 * Messages, context);
    }
}

/// <summary>Runs where Debian's Chromium, node and the npm modules of tests/browser are installed (scripts/setup.sh does it); fails under CI=true without them.</summary>
public sealed class RequiresBrowserTheoryAttribute : TheoryAttribute
{
    public RequiresBrowserTheoryAttribute() => Skip = BrowserTools.SkipReason;
}

/// <summary>A fact that needs the browser tools, as <see cref="RequiresBrowserTheoryAttribute"/>.</summary>
public sealed class RequiresBrowserFactAttribute : FactAttribute
{
    public RequiresBrowserFactAttribute() => Skip = BrowserTools.SkipReason;
}

internal static class BrowserTools
{
    public static string? SkipReason
    {
        get
        {
            var modules = Path.Combine(Testing.SharedData.RepositoryRoot, "tests", "browser", "node_modules", "playwright-core");
            return (ExternalTool.Find("chromium") is null || ExternalTool.Find("node") is null || !Directory.Exists(modules)) && !ExternalTool.InCi
                ? "Chromium, node or tests/browser/node_modules missing (scripts/setup.sh installs them)"
                : null;
        }
    }
}
