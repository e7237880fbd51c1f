namespace TurnServer.Protocol.Attributes;

/// <summary>IANA protocol numbers carried in REQUESTED-TRANSPORT (RFC 8656 section 18.7, RFC 6062).</summary>
public enum TransportProtocol : byte
{
    Tcp = 6,
    Udp = 17,
}
