using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>
/// Where one allocation's relay socket reports what happens on it: a peer's datagram (UDP), a peer's
/// connection (TCP), or the socket's own failure. The engine hands one to the transport with each
/// relay socket it asks for, so the transport layer never holds the engine.
/// </summary>
public interface IRelaySink
{
    /// <summary>
    /// A datagram from <paramref name="peer"/>, at <paramref name="dataOffset"/> in
    /// <paramref name="buffer"/> with <see cref="Protocol.Framing.PeerDataFraming.Headroom"/> bytes free
    /// before it and <see cref="Protocol.Framing.PeerDataFraming.Tailroom"/> after, to be framed for the
    /// client in place.
    /// </summary>
    void FromPeer(in TransportAddress peer, Span<byte> buffer, int dataOffset, int dataLength);

    /// <summary>A peer connected to a TCP allocation's relayed address (RFC 6062 section 5.3).</summary>
    void PeerConnected(IPeerConnection connection);

    /// <summary>The socket can no longer relay: the allocation ends.</summary>
    void SocketFailed(string reason);
}
