using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

/// <summary>TCP allocations (RFC 6062): Connect, ConnectionAttempt and ConnectionBind.</summary>
public class TcpRelayTests
{
    private const string Peer = "198.51.100.7:8080";

    internal static (EngineHarness Harness, TestClient Control, FakeStreamClient Connection) TcpAllocation(Func<Options.TurnServerOptions, Options.TurnServerOptions>? configure = null)
    {
        var harness = new EngineHarness(configure);
        var connection = new FakeStreamClient();
        var control = harness.Client();
        control.Protocol = TransportProtocol.Tcp;
        control.Transport = connection;
        var response = control.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Tcp));
        Assert.True(response.IsSuccess, $"error {response.ErrorCode}");
        return (harness, control, connection);
    }

    [Fact]
    public void TcpAllocation_ListensOnTheRelayedAddress()
    {
        var (harness, control, _) = TcpAllocation();
        var allocation = harness.AllocationOf(control.Address, TransportProtocol.Tcp);
        Assert.Equal(TransportProtocol.Tcp, allocation.RelayProtocol);
        Assert.Equal(allocation.Relays[0].Endpoint.LocalAddress, Assert.Single(harness.TcpRelays.Listening).Address);
        Assert.Null(allocation.Relays[0].Datagrams);
    }

    [Fact]
    public void TcpAllocation_OverUdp_Is400_AndWithoutTcpRelaying_Is442()
    {
        var client = new EngineHarness().Client();
        Assert.Equal(400, client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Tcp)).ErrorCode);

        var off = new EngineHarness(o => o with { TcpRelay = false }).Client();
        off.Protocol = TransportProtocol.Tcp;
        Assert.Equal(442, off.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Tcp)).ErrorCode);
    }

    [Fact]
    public void Connect_AnswersLater_WithAConnectionId_ThatAConnectionBindClaims()
    {
        var (harness, control, connection) = TcpAllocation();
        Assert.Null(control.SendRaw(Connect(control)));
        var answer = new Response(Assert.Single(connection.Sent));
        Assert.True(answer.IsSuccess);
        Assert.True(answer.VerifiesWith(control.Key()));
        Assert.True(answer.Read().TryGetUInt32(StunAttributeType.ConnectionId, out var id));

        var data = new FakeStreamClient();
        var dataClient = harness.Client("198.51.100.10:50001");
        dataClient.Protocol = TransportProtocol.Tcp;
        dataClient.Transport = data;
        Assert.True(dataClient.Request(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.ConnectionId, id)).IsSuccess);
        Assert.Equal(TransportAddress.Parse(Peer), data.Bound!.Peer);

        // The same id cannot be claimed twice.
        Assert.Equal(400, dataClient.Request(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.ConnectionId, id)).ErrorCode);
    }

    [Fact]
    public void ConnectToAPeerAlreadyConnected_Is446_AndAFailedConnect_Is447()
    {
        var (harness, control, connection) = TcpAllocation();
        control.SendRaw(Connect(control));
        Assert.Equal(446, control.Send(Connect(control)).ErrorCode);

        harness.TcpRelays.ConnectSucceeds = false;
        control.SendRaw(Connect(control, "198.51.100.8:9"));
        Assert.Equal(447, new Response(connection.Sent[^1]).ErrorCode);
    }

    [Fact]
    public void Connect_ToAForbiddenPeer_Is403_AndOnAUdpAllocation_Is400()
    {
        var (_, control, _) = TcpAllocation();
        Assert.Equal(403, control.Send(Connect(control, "10.0.0.1:80")).ErrorCode);

        var udp = new EngineHarness().Client();
        udp.Allocate();
        Assert.Equal(400, udp.Send(Connect(udp)).ErrorCode);
    }

    [Fact]
    public void PeerConnection_WithoutPermission_IsClosed_AndWithOne_IsAnnouncedToTheClient()
    {
        var (harness, control, connection) = TcpAllocation();
        // As the transport's listener reports them: through the sink the engine gave it.
        var sink = Assert.Single(harness.TcpRelays.Listening).Sink;
        var stranger = new FakePeerConnection(TransportAddress.Parse("198.51.100.9:5000"));
        sink.PeerConnected(stranger);
        Assert.True(stranger.IsClosed);

        control.CreatePermission("198.51.100.9:1");
        var welcome = new FakePeerConnection(TransportAddress.Parse("198.51.100.9:5001"));
        sink.PeerConnected(welcome);
        Assert.False(welcome.IsClosed);
        var attempt = new Response(connection.Sent[^1]);
        Assert.Equal(new StunMessageType(StunMethod.ConnectionAttempt, StunClass.Indication), attempt.Type);
        Assert.Equal(welcome.Peer, attempt.XorAddress(StunAttributeType.XorPeerAddress));
        Assert.True(attempt.Read().TryGetUInt32(StunAttributeType.ConnectionId, out _));
    }

    [Fact]
    public void UnboundPeerConnection_IsClosedAfter30Seconds_AndItsIdRefused()
    {
        var (harness, control, connection) = TcpAllocation();
        control.SendRaw(Connect(control));
        new Response(Assert.Single(connection.Sent)).Read().TryGetUInt32(StunAttributeType.ConnectionId, out var id);
        harness.Time.Advance(TimeSpan.FromSeconds(31));
        harness.Engine.Sweep();

        var dataClient = harness.Client("198.51.100.10:50001");
        dataClient.Protocol = TransportProtocol.Tcp;
        dataClient.Transport = new FakeStreamClient();
        Assert.Equal(400, dataClient.Request(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.ConnectionId, id)).ErrorCode);
    }

    [Fact]
    public void ConnectionBindByAnotherUser_Is441()
    {
        var (harness, control, connection) = TcpAllocation();
        control.SendRaw(Connect(control));
        new Response(Assert.Single(connection.Sent)).Read().TryGetUInt32(StunAttributeType.ConnectionId, out var id);
        var bob = harness.Client("198.51.100.10:50001", "bob", "bob-password");
        bob.Protocol = TransportProtocol.Tcp;
        bob.Transport = new FakeStreamClient();
        Assert.Equal(441, bob.Request(StunMethod.ConnectionBind, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.ConnectionId, id)).ErrorCode);
    }

    [Fact]
    public void EndingTheAllocation_ClosesItsPeerConnections()
    {
        var (harness, control, connection) = TcpAllocation();
        var allocation = harness.AllocationOf(control.Address, TransportProtocol.Tcp);
        control.CreatePermission("198.51.100.9:1");
        var peer = new FakePeerConnection(TransportAddress.Parse("198.51.100.9:5001"));
        harness.Engine.AcceptPeerConnection(allocation, peer);
        Assert.True(control.Refresh(0).IsSuccess);
        Assert.True(peer.IsClosed);
    }

    internal static byte[] Connect(TestClient client, string peer = Peer) =>
        client.Build(StunMethod.Connect, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse(peer)), TransactionId.NewRandom(), signed: true);
}
