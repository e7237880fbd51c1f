using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

/// <summary>
/// What a UDP relay socket reports reaches the right allocation through the sink the engine gave the
/// transport with the socket: the transport holds no engine and no allocation.
/// </summary>
public class RelaySinkTests
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void A_peer_datagram_reported_to_the_sink_reaches_that_allocation_s_client_once_permitted()
    {
        var harness = new EngineHarness();
        var alice = harness.Client();
        var bob = harness.Client("198.51.100.11:50000", "bob", "bob-password");
        alice.Allocate();
        bob.Allocate();
        var sink = harness.RelayOf(alice.Address).Sink;

        FromPeer(sink, [1, 2, 3]);
        Assert.Empty(harness.Transport.Sent);

        alice.CreatePermission(Peer.ToString());
        bob.CreatePermission(Peer.ToString());
        harness.Transport.Sent.Clear();
        FromPeer(sink, [1, 2, 3]);

        var data = new Response(Assert.Single(harness.Transport.Sent));
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), data.Type);
        Assert.Equal(Peer, data.XorAddress(StunAttributeType.XorPeerAddress));
        Assert.True(data.Read().TryGetAttribute(StunAttributeType.Data, out var value));
        Assert.Equal([1, 2, 3], value.ToArray());
    }

    [Fact]
    public void A_failed_socket_reported_to_the_sink_ends_its_allocation_only()
    {
        var harness = new EngineHarness();
        var alice = harness.Client();
        var bob = harness.Client("198.51.100.11:50000", "bob", "bob-password");
        alice.Allocate();
        bob.Allocate();
        var relay = harness.RelayOf(alice.Address);

        relay.Sink.SocketFailed("its relay socket failed");

        Assert.True(relay.Disposed);
        Assert.Equal(1, harness.Engine.Allocations.Count);
        Assert.Equal(437, alice.Send(alice.Build(StunMethod.Refresh, null, TransactionId.NewRandom(), signed: true)).ErrorCode);
        Assert.False(harness.RelayOf(bob.Address).Disposed);
    }

    private static void FromPeer(Relaying.IRelaySink sink, byte[] data)
    {
        var buffer = new byte[PeerDataFraming.Headroom + data.Length + PeerDataFraming.Tailroom];
        data.CopyTo(buffer, PeerDataFraming.Headroom);
        sink.FromPeer(Peer, buffer, PeerDataFraming.Headroom, data.Length);
    }
}
