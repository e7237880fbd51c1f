using TurnServer.Protocol.Attributes;

namespace TurnServer.Relay.Processing;

/// <summary>How a client reaches the server: what the engine decides by, where the five-tuple only knows UDP or TCP.</summary>
public enum ClientTransportKind
{
    Udp,
    Tcp,
    Tls,
    Dtls,
}

public static class ClientTransportKindExtensions
{
    /// <summary>A byte stream (TCP, TLS): ChannelData is padded, a handshake proved the client's address, and a connection can carry RFC 6062 data.</summary>
    public static bool IsStream(this ClientTransportKind kind) => kind is ClientTransportKind.Tcp or ClientTransportKind.Tls;

    /// <summary>The transport protocol of the five-tuple (RFC 8656 section 2): TLS runs over TCP, DTLS over UDP.</summary>
    public static TransportProtocol Protocol(this ClientTransportKind kind) => kind.IsStream() ? TransportProtocol.Tcp : TransportProtocol.Udp;
}
