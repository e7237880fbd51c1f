using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// Lets packets from one peer IP (any port) through to the client, until it expires (RFC 8656 section 9).
/// Refreshing only moves the expiry, so readers on the data path never see a half-made entry.
/// </summary>
public sealed class Permission(StunAddressFamily family, UInt128 peerAddress, long expiresAt)
{
    private long _expiresAt = expiresAt;

    public StunAddressFamily Family { get; } = family;

    public UInt128 PeerAddress { get; } = peerAddress;

    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    public bool Matches(in TransportAddress peer) => peer.AddressValue == PeerAddress && peer.Family == Family;

    public void Refresh(long expiresAt) => Volatile.Write(ref _expiresAt, expiresAt);
}
