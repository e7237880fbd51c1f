namespace TurnServer.Protocol.Stun;

/// <summary>Fixed numbers of the STUN header (RFC 8489 section 5).</summary>
public static class StunConstants
{
    /// <summary>Type (2), length (2), magic cookie (4), transaction id (12).</summary>
    public const int HeaderLength = 20;

    /// <summary>Type (2) and length (2) in front of every attribute value.</summary>
    public const int AttributeHeaderLength = 4;

    public const uint MagicCookie = 0x2112A442;

    /// <summary>The length field is 16 bits, so no message body can be longer.</summary>
    public const int MaxBodyLength = ushort.MaxValue & ~3;

    /// <summary>Rounds an attribute value length up to the 4-byte boundary the next attribute starts on.</summary>
    public static int Pad(int length) => (length + 3) & ~3;
}
