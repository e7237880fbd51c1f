using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Relaying;

/// <summary>
/// TCP relaying (RFC 6062) for the engine: a listening socket on the relayed transport address, and
/// outgoing connections to peers from that same address.
/// </summary>
public interface ITcpRelayFactory
{
    /// <summary>
    /// Listens on <paramref name="address"/>; each peer that connects is handed to <paramref name="sink"/>.
    /// </summary>
    bool TryListen(in TransportAddress address, IRelaySink sink, out IRelaySocket? listener);

    /// <summary>Connects from the relayed address to a peer; null when that fails or times out.</summary>
    Task<IPeerConnection?> ConnectAsync(TransportAddress from, TransportAddress peer, TimeSpan timeout);
}

/// <summary>A TCP connection with a peer, owned by the transport layer until it is spliced or closed.</summary>
public interface IPeerConnection : IDisposable
{
    TransportAddress Peer { get; }

    /// <summary>True once either side has closed it: it no longer counts as the client's connection to the peer.</summary>
    bool IsClosed { get; }
}

/// <summary>A TCP or TLS client connection that can become a data connection (RFC 6062 section 5.4).</summary>
public interface IStreamClient : IClientTransport
{
    /// <summary>After the ConnectionBind response, relay raw bytes between this connection and the peer.</summary>
    void BindData(IPeerConnection peer);
}
