using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TurnServer.Host.Tests.Integration;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Metrics;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// The admin status page in headless Chromium: a wrong token is refused and shows nothing; with the
/// right one the page shows the live allocation, traffic per second while a client relays through
/// an echoing peer, and the drops the server counted, with nothing blocked by its content security policy.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class AdminStatusPageTests : IAsyncLifetime, IDisposable
{
    private const string Token = "status-page-token";
    private const int MalformedPackets = 7;
    private static readonly string Script = Path.Combine(Testing.SharedData.RepositoryRoot, "tests", "browser", "admin-status.mjs");

    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private ServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync($"--admin-token={Token}", "--admin-port=0");
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _peer.Dispose();

    [RequiresBrowserFact]
    public async Task ShowsAllocationsTrafficAndDrops_OnlyWithTheToken()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();
        var peer = TransportAddress.FromIPEndPoint((IPEndPoint)_peer.LocalEndPoint!);
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer))));
        SendMalformed(client);
        Assert.True(SpinWait.SpinUntil(() => _server.Engine.Counters.DroppedFor(DropReason.Malformed) >= MalformedPackets, TimeSpan.FromSeconds(5)));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var echo = Task.Run(() => EchoUntil(stop.Token), CancellationToken.None);
        var send = Task.Run(() => SendUntil(client, peer, stop.Token), CancellationToken.None);
        var input = JsonSerializer.Serialize(new { url = $"http://{_server.AdminEndPoint}/admin/status", token = Token, wrongToken = Token + "-wrong" });
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require("node", "nodejs"), [Script, input], TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(echo, send);

        var context = $"the status page in Chromium (exit {exit}):\n{output}";
        Assert.True(exit == 0, context);
        using var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var page = result.RootElement;
        Assert.False(page.TryGetProperty("error", out _), context);
        Assert.True(page.GetProperty("refused").GetString() == "The admin token was refused." && page.GetProperty("hiddenWhenRefused").GetBoolean(), context);
        Assert.True(page.GetProperty("consoleErrors").GetArrayLength() == 0, context);
        Assert.False(page.GetProperty("errorShown").GetBoolean(), context);
        Assert.True(page.GetProperty("state").GetString() == "Serving.", context);
        Assert.True(page.GetProperty("allocations").GetInt32() == 1 && page.GetProperty("permissions").GetInt32() == 1, context);
        var row = Assert.Single(page.GetProperty("rows").EnumerateArray());
        Assert.True(row.GetProperty("user").GetString() == ServerFixture.User, context);
        Assert.True(row.GetProperty("client").GetString() == client.LocalEndPoint.ToString(), context);
        Assert.True(row.GetProperty("transport").GetString() == "udp", context);

        // The client sends about 50 packets a second and the peer echoes each: both rates show, and
        // within reason of what was sent (a loaded machine sends fewer, never many more).
        Assert.True(page.GetProperty("packetsToPeerRate").GetDouble() is > 5 and < 200, context);
        Assert.True(page.GetProperty("packetsToClientRate").GetDouble() is > 5 and < 200, context);
        Assert.True(page.GetProperty("kbitsToPeerRate").GetDouble() > 0, context);
        Assert.True(page.GetProperty("drops").GetProperty("malformed").GetInt64() >= MalformedPackets, context);
    }

    private static void SendMalformed(UdpTurnClient client)
    {
        // A Binding request whose length is not a multiple of four.
        var malformed = client.Build(StunMethod.Binding, null, signed: false)[..StunConstants.HeaderLength].Concat(new byte[3]).ToArray();
        malformed[3] = 3;
        for (var i = 0; i < MalformedPackets; i++)
        {
            client.Send(malformed);
        }
    }

    private static async Task SendUntil(UdpTurnClient client, TransportAddress peer, CancellationToken stop)
    {
        var indication = client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.WriteAttribute(StunAttributeType.Data, new byte[100]);
        }, signed: false, StunClass.Indication);
        while (!stop.IsCancellationRequested)
        {
            client.Send(indication);
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task EchoUntil(CancellationToken stop)
    {
        var buffer = new byte[2048];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var received = await _peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), stop);
                await _peer.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
