using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Metrics;

namespace TurnServer.Relay.Processing;

/// <summary>The data path: per packet, no allocation, no lock; anything not permitted is dropped silently.</summary>
public sealed partial class TurnEngine
{
    /// <summary>RFC 8656 section 12.6: ChannelData from the client goes to the channel's peer.</summary>
    private void RelayChannelData(ReadOnlySpan<byte> message, in FiveTuple fiveTuple)
    {
        if (!ChannelDataMessage.TryRead(message, out var channelData))
        {
            Counters.Drop(DropReason.Malformed);
            return;
        }

        var now = _time.GetTimestamp();
        if (!Allocations.TryGet(fiveTuple, out var allocation) || allocation!.IsExpired(now))
        {
            Counters.Drop(DropReason.NoAllocation);
            return;
        }

        var channel = allocation.FindChannel(channelData.ChannelNumber);
        if (channel is null || now >= channel.ExpiresAt)
        {
            Counters.Drop(DropReason.NoChannel);
            return;
        }

        if (!allocation.HasPermission(channel.Peer, now))
        {
            Counters.Drop(DropReason.NoPermission);
            return;
        }

        if (allocation.RelayFor(channel.Peer.Family)?.Datagrams is { } relay)
        {
            relay.SendToPeer(channelData.Data, channel.Peer);
            allocation.Traffic.CountToPeer(channelData.Data.Length);
        }
    }

    /// <summary>RFC 8656 section 10.2: a Send indication's DATA goes to its XOR-PEER-ADDRESS if permitted.</summary>
    private int RelaySendIndication(in StunMessage indication, in FiveTuple fiveTuple)
    {
        if (!indication.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var peer) || !indication.TryGetAttribute(StunAttributeType.Data, out var data))
        {
            Counters.Drop(DropReason.Malformed);
            return 0;
        }

        var now = _time.GetTimestamp();
        if (!Allocations.TryGet(fiveTuple, out var allocation) || allocation!.IsExpired(now))
        {
            Counters.Drop(DropReason.NoAllocation);
            return 0;
        }

        if (!allocation.HasPermission(peer, now))
        {
            Counters.Drop(DropReason.NoPermission);
            return 0;
        }

        var loop = IsOwnListener(allocation, peer);
        if (loop || _options.PeerPolicy.IsOwnService(peer))
        {
            Counters.Drop(loop ? DropReason.RelayLoop : DropReason.PeerPolicy);
            return 0;
        }

        if (allocation.RelayFor(peer.Family)?.Datagrams is { } relay)
        {
            relay.SendToPeer(data, peer);
            allocation.Traffic.CountToPeer(data.Length);
        }

        return 0;
    }

    /// <summary>
    /// RFC 8656 sections 10.3 and 12.7: a datagram a relay socket received from a peer goes to the
    /// client, as ChannelData when a channel is bound to the peer, else as a Data indication. The data
    /// must sit at <paramref name="dataOffset"/> with <see cref="PeerDataFraming.Headroom"/> bytes before it and
    /// <see cref="PeerDataFraming.Tailroom"/> after it: the message is framed around it in place.
    /// </summary>
    public void RelayToClient(Allocation allocation, in TransportAddress peer, Span<byte> buffer, int dataOffset, int dataLength)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var now = _time.GetTimestamp();
        if (allocation.IsExpired(now) || !allocation.HasPermission(peer, now))
        {
            Counters.Drop(DropReason.NoPermission);
            return;
        }

        allocation.Traffic.CountToClient(dataLength);
        var channel = allocation.FindChannel(peer);
        if (channel is not null && now < channel.ExpiresAt)
        {
            var start = dataOffset - ChannelDataMessage.HeaderLength;
            ChannelDataMessage.WriteHeader(buffer[start..], channel.Number, dataLength);
            var length = ChannelDataMessage.HeaderLength + dataLength;
            if (allocation.Client.IsStream)
            {
                var padded = ChannelDataMessage.GetStreamLength(dataLength);
                buffer[(start + length)..(start + padded)].Clear();
                length = padded;
            }

            allocation.Client.Send(buffer.Slice(start, length));
            return;
        }

        // Header, XOR-PEER-ADDRESS and DATA's header go in front so that DATA's value is the data in place.
        var indicationStart = dataOffset - (StunConstants.HeaderLength + (2 * StunConstants.AttributeHeaderLength) + 4 + peer.AddressLength);
        var writer = new StunMessageWriter(buffer[indicationStart..], new StunMessageType(StunMethod.Data, StunClass.Indication), IndicationId());
        writer.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
        writer.AddAttribute(StunAttributeType.Data, dataLength);
        allocation.Client.Send(writer.Written);
    }

    // Indications are never matched to anything, so their ids need to be unique, not unguessable:
    // a per-packet call into the system's cryptographic generator would cost more than the framing.
    private static TransactionId IndicationId()
    {
        Span<byte> bytes = stackalloc byte[TransactionId.Length];
        Random.Shared.NextBytes(bytes);
        return TransactionId.Read(bytes);
    }
}
