using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// One relayed transport address of an allocation: the socket and the address the client is told.
/// A dual allocation (RFC 8656 section 7.2) has one per family.
/// </summary>
public sealed class RelayedTransport(IRelaySocket endpoint, TransportAddress address, ulong reservationToken)
{
    public IRelaySocket Endpoint { get; } = endpoint;

    /// <summary>The datagram relay of a UDP allocation; null for a TCP allocation's listening socket.</summary>
    public IRelayEndpoint? Datagrams { get; } = endpoint as IRelayEndpoint;

    /// <summary>XOR-RELAYED-ADDRESS: the socket's address, or its external-ip mapping.</summary>
    public TransportAddress Address { get; } = address;

    public StunAddressFamily Family => Address.Family;

    /// <summary>The token under which EVEN-PORT kept the next port, or 0.</summary>
    public ulong ReservationToken { get; } = reservationToken;
}
