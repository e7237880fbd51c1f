using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// A channel number bound to one peer transport address (RFC 8656 section 12). After it expires it
/// lingers for <see cref="Allocation.ChannelCooldown"/>, during which neither the number nor the peer
/// may be bound to anything else, so late packets cannot reach the wrong peer.
/// </summary>
public sealed class ChannelBinding(ushort number, TransportAddress peer, long expiresAt)
{
    private long _expiresAt = expiresAt;

    public ushort Number { get; } = number;

    public TransportAddress Peer { get; } = peer;

    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    public void Refresh(long expiresAt) => Volatile.Write(ref _expiresAt, expiresAt);
}
