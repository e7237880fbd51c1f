namespace TurnServer.Protocol.Attributes;

/// <summary>
/// The ICMP attribute (RFC 8656 section 18.13, figure 11): why a relayed packet was dropped. After 16
/// reserved bits come the ICMP type (7 bits) and code (9 bits), then 4 bytes of error data (the
/// next-hop MTU for "packet too big" and "fragmentation needed", else zero).
/// </summary>
public readonly record struct IcmpInfo(byte Type, ushort Code, uint ErrorData)
{
    public const byte MaxType = 0x7F;
    public const ushort MaxCode = 0x1FF;
}
