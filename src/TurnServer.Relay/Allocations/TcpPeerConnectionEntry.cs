using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// A peer data connection of a TCP allocation (RFC 6062): made by Connect or accepted from a peer,
/// waiting up to 30 seconds for the client's ConnectionBind, then spliced to a client data connection.
/// </summary>
public sealed class TcpPeerConnectionEntry(uint id, Allocation owner, IPeerConnection connection, long createdAt)
{
    public uint Id { get; } = id;

    public Allocation Owner { get; } = owner;

    public IPeerConnection Connection { get; } = connection;

    public long CreatedAt { get; } = createdAt;

    /// <summary>Set under the owner's lock when a ConnectionBind takes it.</summary>
    public bool Bound { get; internal set; }
}
