using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;

namespace TurnServer.Benchmarks.Relay;

/// <summary>
/// The engine's work for one relayed packet, each way, and the lookups it is made of: all must
/// allocate nothing (the Allocated column reads "-").
/// </summary>
[MemoryDiagnoser]
public class RelayPathBenchmark
{
    private readonly byte[] _peerBuffer = new byte[PeerDataFraming.Headroom + 100 + PeerDataFraming.Tailroom];
    private RelayPathHarness _harness = null!;
    private byte[] _channelData = [];
    private byte[] _sendIndication = [];
    private FiveTuple _fiveTuple;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _harness = new RelayPathHarness();
        _fiveTuple = _harness.Context.FiveTuple;
        var payload = new byte[100];
        _channelData = new byte[ChannelDataMessage.HeaderLength + payload.Length];
        ChannelDataMessage.Write(_channelData, RelayPathHarness.Channel, payload, padForStream: false);
        _sendIndication = RelayPathHarness.Indication(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, RelayPathHarness.Peer);
            w.WriteAttribute(StunAttributeType.Data, payload);
        });
        _now = TimeProvider.System.GetTimestamp();
    }

    /// <summary>Client to peer on a channel: the relay decision (allocation, channel, permission) and the send.</summary>
    [Benchmark]
    public int ChannelDataToPeer() => _harness.Process(_channelData);

    /// <summary>Client to peer by Send indication: parse, permission, send.</summary>
    [Benchmark]
    public int SendIndicationToPeer() => _harness.Process(_sendIndication);

    /// <summary>Peer to client, reported to the allocation's relay sink as the UDP transport does: framed in place, here as ChannelData since a channel is bound.</summary>
    [Benchmark]
    public void PeerDatagramToClient() =>
        _harness.Sink.FromPeer(RelayPathHarness.Peer, _peerBuffer, PeerDataFraming.Headroom, 100);

    [Benchmark]
    public bool PermissionCheck() => _harness.Allocation.HasPermission(RelayPathHarness.Peer, _now);

    [Benchmark]
    public bool FiveTupleLookup() => _harness.Engine.Allocations.TryGet(_fiveTuple, out _);
}
