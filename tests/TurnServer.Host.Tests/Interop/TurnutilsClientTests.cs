using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// coturn's own client, turnutils_uclient, allocates and relays through our server to coturn's echo
/// peer, turnutils_peer: over UDP, TCP and TLS, IPv4 and IPv6, with channels, Send indications and
/// TCP allocations (RFC 6062), long-term and REST credentials, with zero loss.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed partial class TurnutilsClientTests : IAsyncLifetime, IDisposable
{
    private const string Client = "turnutils_uclient";
    private const string Peer = "turnutils_peer";
    private const string Package = "coturn";

    private readonly Integration.TestCertificate _certificate = new();
    private readonly List<Process> _peers = [];
    private ServerFixture _server = null!;
    private int _peerPort;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync("-L", "::1", $"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");
        if (ExternalTool.Find(Peer) is { } peer)
        {
            _peerPort = ExternalTool.FreeUdpPort();
            foreach (var address in new[] { "127.0.0.1", "::1" })
            {
                _peers.Add(ExternalTool.Start(peer, ["-L", address, "-p", _peerPort.ToString(CultureInfo.InvariantCulture)]));
            }

            await Task.Delay(300);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var peer in _peers)
        {
            if (!peer.HasExited)
            {
                peer.Kill();
                await peer.WaitForExitAsync();
            }

            peer.Dispose();
        }

        await _server.DisposeAsync();
    }

    public void Dispose() => _certificate.Dispose();

    [RequiresToolTheory(Client, Package)]
    [InlineData("udp", "channels", "long-term", "IPv4")]
    [InlineData("udp", "indications", "long-term", "IPv4")]
    [InlineData("udp", "channels", "REST", "IPv4")]
    [InlineData("udp", "indications", "REST", "IPv4")]
    [InlineData("tcp", "channels", "long-term", "IPv4")]
    [InlineData("tcp", "indications", "REST", "IPv4")]
    [InlineData("tls", "channels", "long-term", "IPv4")]
    [InlineData("tls", "indications", "REST", "IPv4")]
    [InlineData("udp", "channels", "long-term", "IPv6")]
    [InlineData("tcp", "indications", "long-term", "IPv6")]
    [InlineData("tls", "channels", "REST", "IPv6")]
    [InlineData("tcp", "tcp-relay", "long-term", "IPv4")]
    [InlineData("tls", "tcp-relay", "REST", "IPv4")]
    [InlineData("tcp", "tcp-relay", "long-term", "IPv6")]
    [InlineData("dtls", "channels", "long-term", "IPv4")]
    [InlineData("dtls", "indications", "REST", "IPv4")]
    [InlineData("dtls", "channels", "long-term", "IPv6")]
    [InlineData("udp", "many-clients", "long-term", "IPv4")]
    [InlineData("tcp", "many-clients", "REST", "IPv4")]
    public async Task Uclient_RelaysWithZeroLoss(string transport, string mode, string credentials, string family)
    {
        List<string> args = credentials == "REST"
            ? ["-W", ServerFixture.Secret, "-u", "carol"]
            : ["-u", ServerFixture.User, "-w", ServerFixture.Password];
        if (mode == "indications")
        {
            args.Add("-s");
        }

        // RFC 6062: TCP allocations; the clients connect to each other's relayed addresses (-y).
        if (mode == "tcp-relay")
        {
            args.Add("-T");
        }

        if (transport is "tcp" or "tls")
        {
            args.Add("-t");
        }

        if (transport is "tls" or "dtls")
        {
            args.Add("-S");
        }

        var ipv6 = family == "IPv6";
        if (ipv6)
        {
            args.Add("-x"); // an IPv6 relayed address
        }

        var loopback = ipv6 ? "::1" : "127.0.0.1";
        var server = _server.EndPointFor(transport, ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);

        // Four allocations (-m 2 makes an RTP and an RTCP one each) sending 100 messages of 120 bytes;
        // forty for many clients.
        args.AddRange(["-m", mode == "many-clients" ? "20" : "2", "-n", "100", "-l", "120", "-z", "2", "-e", loopback, "-r", _peerPort.ToString(CultureInfo.InvariantCulture),
            "-p", server.Port.ToString(CultureInfo.InvariantCulture), loopback]);
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require(Client, Package), args, TimeSpan.FromSeconds(60));

        var context = $"{Client} {transport.ToUpperInvariant()} {family}, {mode}, {credentials} credentials (exit {exit}):\n{Tail(output)}";
        Assert.True(exit == 0, context);
        var lost = LostPackets().Match(output);
        Assert.True(lost.Success, context);
        Assert.True(lost.Groups[1].Value == "0", context);
        var totals = Totals().Match(output);
        Assert.True(totals.Success && totals.Groups[1].Value == totals.Groups[2].Value && totals.Groups[1].Value != "0", context);
    }

    [RequiresToolFact(Client, Package)]
    public async Task Uclient_WithAWrongPassword_CannotAllocate()
    {
        var (exit, output) = await ExternalTool.RunAsync(
            ExternalTool.Require(Client, Package),
            ["-u", ServerFixture.User, "-w", "wrong", "-n", "5", "-e", "127.0.0.1", "-r", _peerPort.ToString(CultureInfo.InvariantCulture), "-p", _server.EndPoint.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"],
            TimeSpan.FromSeconds(60));
        Assert.True(exit != 0, Tail(output));
        Assert.Contains("Cannot complete Allocation", output, StringComparison.Ordinal);
        Assert.Equal(0, _server.Engine.Allocations.Count);
    }

    [RequiresToolTheory("turnutils_stunclient", Package)]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    public async Task Stunclient_Binding_ReportsTheAddressItSentFrom(string local)
    {
        var (exit, output) = await ExternalTool.RunAsync(
            ExternalTool.Require("turnutils_stunclient", Package),
            ["-L", local, "-p", _server.EndPoint.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"],
            TimeSpan.FromSeconds(30));
        var reflexive = Reflexive().Match(output);
        Assert.True(exit == 0 && reflexive.Success, $"turnutils_stunclient from {local} (exit {exit}):\n{output}");
        Assert.Equal(local, reflexive.Groups[1].Value);
        Assert.NotEqual(0, int.Parse(reflexive.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(15));

    [GeneratedRegex(@"UDP reflexive addr: ([0-9.]+):(\d+)")]
    private static partial Regex Reflexive();

    [GeneratedRegex(@"Total lost packets (\d+)")]
    private static partial Regex LostPackets();

    [GeneratedRegex(@"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Totals();
}
