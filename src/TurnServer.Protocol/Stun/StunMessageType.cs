namespace TurnServer.Protocol.Stun;

/// <summary>
/// A STUN message type: a 12-bit method and a 2-bit class, interleaved on the wire as
/// M11..M7 C1 M6..M4 C0 M3..M0 (RFC 8489 section 5).
/// </summary>
public readonly record struct StunMessageType(StunMethod Method, StunClass Class)
{
    /// <summary>The largest method number that fits in the 12 method bits.</summary>
    public const ushort MaxMethod = 0x0FFF;

    public static StunMessageType BindingRequest => new(StunMethod.Binding, StunClass.Request);
    public static StunMessageType BindingSuccess => new(StunMethod.Binding, StunClass.SuccessResponse);
    public static StunMessageType BindingError => new(StunMethod.Binding, StunClass.ErrorResponse);

    /// <summary>The 14-bit value as it appears in the first two bytes of the header.</summary>
    public ushort Value => Encode(Method, Class);

    public static ushort Encode(StunMethod method, StunClass messageClass)
    {
        var m = (int)method;
        var c = (int)messageClass;
        return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7));
    }

    public static StunMessageType Decode(ushort value)
    {
        var method = (value & 0x000F) | ((value & 0x00E0) >> 1) | ((value & 0x3E00) >> 2);
        var messageClass = ((value >> 4) & 0b01) | ((value >> 7) & 0b10);
        return new StunMessageType((StunMethod)method, (StunClass)messageClass);
    }

    /// <summary>The success response type that answers a request of this method.</summary>
    public StunMessageType ToSuccess() => this with { Class = StunClass.SuccessResponse };

    /// <summary>The error response type that answers a request of this method.</summary>
    public StunMessageType ToError() => this with { Class = StunClass.ErrorResponse };

    public override string ToString() => $"{Method} {Class}";
}
