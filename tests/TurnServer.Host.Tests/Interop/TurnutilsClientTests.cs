using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// coturn's own client, turnutils_uclient, allocates and relays through our server to coturn's echo
/// peer, turnutils_peer: channels and Send indications, long-term and REST credentials, zero loss.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed partial class TurnutilsClientTests : IAsyncLifetime
{
    private const string Client = "turnutils_uclient";
    private const string Peer = "turnutils_peer";
    private const string Package = "coturn";

    private ServerFixture _server = null!;
    private Process? _peer;
    private int _peerPort;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync();
        if (ExternalTool.Find(Peer) is { } peer)
        {
            _peerPort = ExternalTool.FreeUdpPort();
            _peer = ExternalTool.Start(peer, ["-L", "127.0.0.1", "-p", _peerPort.ToString(CultureInfo.InvariantCulture)]);
            await Task.Delay(300);
        }
    }

    public async Task DisposeAsync()
    {
        if (_peer is { HasExited: false })
        {
            _peer.Kill();
            await _peer.WaitForExitAsync();
        }

        _peer?.Dispose();
        await _server.DisposeAsync();
    }

    [RequiresToolTheory(Client, Package)]
    [InlineData("channels", "long-term")]
    [InlineData("indications", "long-term")]
    [InlineData("channels", "REST")]
    [InlineData("indications", "REST")]
    public async Task Uclient_RelaysWithZeroLoss(string mode, string credentials)
    {
        List<string> args = credentials == "REST"
            ? ["-W", ServerFixture.Secret, "-u", "carol"]
            : ["-u", ServerFixture.User, "-w", ServerFixture.Password];
        if (mode == "indications")
        {
            args.Add("-s");
        }

        // Four clients (-m 2 makes RTP and RTCP allocations each) sending 200 messages of 120 bytes.
        args.AddRange(["-m", "2", "-n", "200", "-l", "120", "-z", "2", "-e", "127.0.0.1", "-r", _peerPort.ToString(CultureInfo.InvariantCulture),
            "-p", _server.EndPoint.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"]);
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require(Client, Package), args, TimeSpan.FromSeconds(60));

        var context = $"{Client} UDP, {mode}, {credentials} credentials (exit {exit}):\n{Tail(output)}";
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

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(15));

    [GeneratedRegex(@"Total lost packets (\d+)")]
    private static partial Regex LostPackets();

    [GeneratedRegex(@"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Totals();
}
