using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>The relayed transport address of one allocation: a socket the transport layer owns.</summary>
public interface IRelayEndpoint : IDisposable
{
    /// <summary>The address the socket is bound to (before any external-ip mapping).</summary>
    TransportAddress LocalAddress { get; }

    /// <summary>Sends data to a peer; failures are counted and dropped, as UDP would drop them.</summary>
    void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer);
}
