using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>A relayed transport address of one allocation: a socket the transport layer owns.</summary>
public interface IRelaySocket : IDisposable
{
    /// <summary>The address the socket is bound to (before any external-ip mapping).</summary>
    TransportAddress LocalAddress { get; }
}

/// <summary>A UDP relay socket: datagrams go to peers one by one.</summary>
public interface IRelayEndpoint : IRelaySocket
{
    /// <summary>Sends data to a peer; failures are counted and dropped, as UDP would drop them.</summary>
    void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer);
}
