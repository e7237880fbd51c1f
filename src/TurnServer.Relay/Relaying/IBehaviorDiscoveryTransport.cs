using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>
/// A listener in an RFC 5780 group: the server listens on two IPs and two ports, so a client can
/// ask (CHANGE-REQUEST) for an answer from another address and port and learn how its NAT maps and
/// filters.
/// </summary>
public interface IBehaviorDiscoveryTransport : IClientTransport
{
    /// <summary>The address this listener is bound to.</summary>
    TransportAddress LocalAddress { get; }

    /// <summary>The group's address with the other IP and the other port (OTHER-ADDRESS).</summary>
    TransportAddress OtherAddress { get; }

    /// <summary>The group's listener with this one's or the other IP, and this one's or the other port.</summary>
    TransportAddress OriginFor(bool changeIP, bool changePort);

    /// <summary>Sends a message to the client from the listener at <paramref name="origin"/>.</summary>
    void SendFrom(in TransportAddress origin, in TransportAddress client, ReadOnlySpan<byte> message);
}
