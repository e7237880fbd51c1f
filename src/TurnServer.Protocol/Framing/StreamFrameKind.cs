namespace TurnServer.Protocol.Framing;

/// <summary>What a frame on a TCP or TLS connection holds (RFC 8656 section 12.5, RFC 7983 demultiplexing).</summary>
public enum StreamFrameKind
{
    /// <summary>First two bits 00: a STUN message.</summary>
    Stun,

    /// <summary>First two bits 01: a ChannelData message, padded to 4 bytes.</summary>
    ChannelData,
}
