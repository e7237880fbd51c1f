using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>How the engine reaches one client: the UDP listener socket and the client's address, or a TCP/TLS connection.</summary>
public interface IClientChannel
{
    /// <summary>Streams need ChannelData padded to 4 bytes (RFC 8656 section 12.5).</summary>
    bool IsStream { get; }

    void Send(ReadOnlySpan<byte> message);
}

/// <summary>The listener a request arrived on, able to make a lasting channel back to the client when an allocation needs one.</summary>
public interface IClientTransport
{
    IClientChannel CreateChannel(in TransportAddress client);
}
