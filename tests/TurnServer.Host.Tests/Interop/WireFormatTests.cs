using System.Globalization;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// Wireshark's STUN dissector as a second reader of our wire format: a capture of coturn's clients and
/// ours talking to our server over UDP and TCP (Binding, challenges, Allocate, Refresh, permissions,
/// channels, Send and Data indications, ChannelData) must hold no malformed packet.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class WireFormatTests : IDisposable
{
    private const string Package = "tshark";
    private readonly string _capture = Path.Combine(Path.GetTempPath(), $"turnserver-{Guid.NewGuid():N}.pcapng");

    public void Dispose() => File.Delete(_capture);

    [RequiresToolFact("tshark", Package)]
    public async Task TsharkFindsNoMalformedPacket_InOurServersTraffic()
    {
        var tshark = ExternalTool.Require("tshark", Package);
        await using var server = await ServerFixture.StartAsync();
        var udp = server.EndPoint.Port.ToString(CultureInfo.InvariantCulture);
        var tcp = server.TcpEndPoint.Port.ToString(CultureInfo.InvariantCulture);

        using (var capture = ExternalTool.Launch(tshark, ["-i", "lo", "-f", $"udp port {udp} or tcp port {tcp}", "-w", _capture]))
        {
            await WaitUntilCapturingAsync(capture);
            await MakeTrafficAsync(server);
            await Task.Delay(500);
            using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", capture.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            await capture.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        // The ports are not STUN's own, so the dissector is told; the relayed side is not captured.
        string[] decode = ["-d", $"udp.port=={udp},stun", "-d", $"tcp.port=={tcp},stun"];
        var stun = await FramesAsync(tshark, decode, "stun");
        var channelData = await FramesAsync(tshark, decode, "stun.channel");
        var malformed = await FramesAsync(tshark, decode, "_ws.malformed || _ws.expert.severity >= error");

        // A message whose lengths disagree is not taken for STUN at all, so every datagram and every
        // TCP payload (once reassembled) must have been read as STUN or ChannelData.
        var unread = await FramesAsync(tshark, decode, "!stun && (udp || (tcp.len > 0 && !tcp.reassembled_in))");

        // Some faults the dissector only notes in its tree (an attribute "bogus, goes past the end").
        var (_, tree) = await ExternalTool.RunAsync(tshark, ["-r", _capture, .. decode, "-V"], TimeSpan.FromSeconds(60));
        var noted = tree.Split('\n').Where(line => line.Contains("bogus", StringComparison.OrdinalIgnoreCase) || line.Contains("Malformed", StringComparison.Ordinal)).ToArray();

        Assert.True(stun.Length > 100, $"only {stun.Length} STUN frames captured");
        Assert.True(channelData.Length > 10, $"only {channelData.Length} ChannelData frames captured");
        Assert.True(malformed.Length == 0, "malformed frames:\n" + string.Join('\n', malformed.Take(20)));
        Assert.True(unread.Length == 0, "frames not read as STUN:\n" + string.Join('\n', unread.Take(20)));
        Assert.True(noted.Length == 0, "the dissector noted:\n" + string.Join('\n', noted.Take(20)));
    }

    private static async Task MakeTrafficAsync(ServerFixture server)
    {
        await using var peer = new UdpEchoPeer();
        foreach (var transport in new[] { ClientTransport.Udp, ClientTransport.Tcp })
        {
            var endPoint = transport == ClientTransport.Udp ? server.EndPoint : server.TcpEndPoint;
            await using var client = await TurnClient.AllocateAsync(new TurnClientOptions(endPoint, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) { Transport = transport });
            await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 20);
        }

        if (ExternalTool.Find("turnutils_uclient") is { } uclient)
        {
            foreach (var extra in new[] { Array.Empty<string>(), ["-s"], ["-t"] })
            {
                var (exit, output) = await ExternalTool.RunAsync(uclient, [.. extra, "-u", ServerFixture.User, "-w", ServerFixture.Password, "-n", "20", "-l", "120", "-e", "127.0.0.1", "-r", peer.EndPoint.Port.ToString(CultureInfo.InvariantCulture),
                    "-p", (extra.Contains("-t") ? server.TcpEndPoint : server.EndPoint).Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"], TimeSpan.FromSeconds(60));
                Assert.True(exit == 0, output);
            }
        }

        if (ExternalTool.Find("turnutils_stunclient") is { } stunclient)
        {
            var (exit, output) = await ExternalTool.RunAsync(stunclient, ["-p", server.EndPoint.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"], TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, output);
        }
    }

    private static async Task WaitUntilCapturingAsync(System.Diagnostics.Process capture)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await capture.StandardError.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("Capturing on", StringComparison.Ordinal))
            {
                // Keep draining what it writes, so it never blocks on a full pipe.
                _ = capture.StandardError.ReadToEndAsync(CancellationToken.None);
                _ = capture.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return;
            }
        }

        throw new Xunit.Sdk.XunitException("tshark never started capturing (it needs root or the wireshark group)");
    }

    private async Task<string[]> FramesAsync(string tshark, string[] decode, string filter)
    {
        var (exit, output) = await ExternalTool.RunAsync(tshark, ["-r", _capture, .. decode, "-Y", filter, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => char.IsAsciiDigit(line[0]))
            .ToArray();
    }
}
