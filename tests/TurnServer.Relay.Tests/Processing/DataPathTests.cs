using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class DataPathTests
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void SendIndication_ReachesThePeer_OnlyWithAPermission()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.SendIndication(Peer.ToString(), [1, 2, 3]);
        Assert.Empty(harness.RelayOf(client.Address).Sent);

        client.CreatePermission(Peer.ToString());
        client.SendIndication(Peer.ToString(), [1, 2, 3]);
        var sent = Assert.Single(harness.RelayOf(client.Address).Sent);
        Assert.Equal(Peer, sent.Peer);
        Assert.Equal(new byte[] { 1, 2, 3 }, sent.Data);
    }

    [Fact]
    public void ChannelData_ReachesTheBoundPeer_AndUnboundChannelsAreDropped()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4001, Peer.ToString());

        Assert.Null(client.SendRaw(ChannelData(0x4001, [9, 8, 7])));
        Assert.Null(client.SendRaw(ChannelData(0x4002, [6])));
        var sent = Assert.Single(harness.RelayOf(client.Address).Sent);
        Assert.Equal(Peer, sent.Peer);
        Assert.Equal(new byte[] { 9, 8, 7 }, sent.Data);
    }

    [Fact]
    public void ChannelData_IsDropped_OnceThePermissionLapses()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4001, Peer.ToString());
        harness.Time.Advance(TimeSpan.FromMinutes(6)); // channel alive (10 min), permission gone (5 min)
        client.SendRaw(ChannelData(0x4001, [1]));
        Assert.Empty(harness.RelayOf(client.Address).Sent);
    }

    [Fact]
    public void PeerData_WithoutPermission_IsDropped()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        FromPeer(harness, harness.AllocationOf(client.Address), Peer, [1, 2]);
        Assert.Empty(harness.Transport.Sent);
    }

    [Fact]
    public void PeerData_BecomesADataIndication_WhenNoChannelIsBound()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.CreatePermission(Peer.ToString());
        var other = Peer.WithPort(1234); // the permission covers every port of the IP
        FromPeer(harness, harness.AllocationOf(client.Address), other, [1, 2, 3, 4, 5]);

        var message = new Response(Assert.Single(harness.Transport.Sent));
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), message.Type);
        Assert.Equal(other, message.XorAddress(StunAttributeType.XorPeerAddress));
        Assert.True(message.Read().TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, data.ToArray());
    }

    [Fact]
    public void IPv6Peers_AreReachedThroughTheIPv6RelayOfADualAllocation_BothWays()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        var peer6 = TransportAddress.Parse("[2001:db8:5::7]:40000");
        client.CreatePermission(peer6.ToString(), Peer.ToString());
        client.SendIndication(peer6.ToString(), [6, 6]);
        client.SendIndication(Peer.ToString(), [4, 4]);
        var viaIPv6 = Assert.Single(harness.RelayOf(client.Address, StunAddressFamily.IPv6).Sent);
        Assert.Equal(peer6, viaIPv6.Peer);
        Assert.Equal(new byte[] { 6, 6 }, viaIPv6.Data);
        var viaIPv4 = Assert.Single(harness.RelayOf(client.Address).Sent);
        Assert.Equal(Peer, viaIPv4.Peer);
        Assert.Equal(new byte[] { 4, 4 }, viaIPv4.Data);

        FromPeer(harness, harness.AllocationOf(client.Address), peer6, [1, 2, 3]);
        var message = new Response(Assert.Single(harness.Transport.Sent));
        Assert.Equal(peer6, message.XorAddress(StunAttributeType.XorPeerAddress));
        Assert.True(message.Read().TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal(new byte[] { 1, 2, 3 }, data.ToArray());
    }

    [Fact]
    public void PeerData_BecomesChannelData_WhenAChannelIsBound()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4ABC, Peer.ToString());
        FromPeer(harness, harness.AllocationOf(client.Address), Peer, [7, 7, 7]);

        Assert.True(ChannelDataMessage.TryRead(Assert.Single(harness.Transport.Sent), out var message));
        Assert.Equal(0x4ABC, message.ChannelNumber);
        Assert.Equal(new byte[] { 7, 7, 7 }, message.Data.ToArray());
    }

    [Fact]
    public void PeerData_ForAStreamClient_IsChannelDataPaddedToFourBytes()
    {
        var harness = new EngineHarness(streamClients: true);
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4000, Peer.ToString());
        FromPeer(harness, harness.AllocationOf(client.Address), Peer, [1, 2, 3, 4, 5]);
        Assert.Equal(Convert.FromHexString("4000000501020304" + "05000000"), Assert.Single(harness.Transport.Sent));
    }

    [Fact]
    public void DataPath_AllocatesNothingPerPacket()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4000, Peer.ToString());
        client.CreatePermission("198.51.100.8:1");
        var relay = harness.RelayOf(client.Address);
        var context = EngineHarness.Context(new FiveTuple(client.Address, EngineHarness.ServerAddress, TransportProtocol.Udp), harness.Transport);
        var channelData = ChannelData(0x4000, new byte[100]);
        var sendIndication = client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse("198.51.100.8:1"));
            w.WriteAttribute(StunAttributeType.Data, new byte[100]);
        }, TransactionId.NewRandom(), signed: false, StunClass.Indication);
        var buffer = new byte[PeerDataFraming.Headroom + 100 + PeerDataFraming.Tailroom];
        var response = new byte[1500];
        harness.Relays.Record = false;
        harness.Transport.Record = false;

        void Work()
        {
            harness.Engine.ProcessClientMessage(channelData, context, response);
            harness.Engine.ProcessClientMessage(sendIndication, context, response);
            relay.Sink.FromPeer(Peer, buffer, PeerDataFraming.Headroom, 100);
        }

        // Tiered compilation recompiles hot methods a while after their first calls, and that can
        // allocate once on the calling thread: a round that allocates nothing at all proves no packet
        // does, and a per-packet allocation would show in every round.
        var rounds = new List<long>();
        for (var round = 0; round < 3 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            for (var i = 0; i < 1000; i++)
            {
                Work();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                Work();
            }

            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(rounds[^1] == 0, $"bytes allocated per round of 10,000: {string.Join(", ", rounds)}");
        Assert.Equal(22_000 * rounds.Count, relay.Count);
        Assert.Equal(11_000 * rounds.Count, harness.Transport.Count);
    }

    internal static byte[] ChannelData(ushort channel, byte[] data)
    {
        var bytes = new byte[ChannelDataMessage.HeaderLength + data.Length];
        ChannelDataMessage.Write(bytes, channel, data, padForStream: false);
        return bytes;
    }

    internal static void FromPeer(EngineHarness harness, Allocation allocation, TransportAddress peer, byte[] data)
    {
        var buffer = new byte[PeerDataFraming.Headroom + data.Length + PeerDataFraming.Tailroom];
        data.CopyTo(buffer, PeerDataFraming.Headroom);
        harness.Engine.RelayToClient(allocation, peer, buffer, PeerDataFraming.Headroom, data.Length);
    }
}
