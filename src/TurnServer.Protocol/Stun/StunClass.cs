namespace TurnServer.Protocol.Stun;

/// <summary>The two class bits of a STUN message type (RFC 8489 section 5).</summary>
public enum StunClass : byte
{
    Request = 0b00,
    Indication = 0b01,
    SuccessResponse = 0b10,
    ErrorResponse = 0b11,
}
