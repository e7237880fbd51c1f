namespace TurnServer.Protocol.Stun;

/// <summary>
/// Why bytes are not a well-formed STUN message. Reading network input reports one of these and never
/// throws; callers drop the datagram, or answer 400 when the header was good enough to reply to.
/// </summary>
public enum StunReadStatus
{
    Ok,

    /// <summary>Fewer than the 20 bytes of a header.</summary>
    TruncatedHeader,

    /// <summary>The two leading bits are not zero: ChannelData, DTLS, RTP or noise, not STUN.</summary>
    NotStun,

    /// <summary>The length field is not a multiple of 4, so the last attribute's padding is missing.</summary>
    LengthNotMultipleOfFour,

    /// <summary>The length field claims more bytes than were received.</summary>
    LengthPastEnd,

    /// <summary>More bytes were received than the length field accounts for.</summary>
    TrailingBytes,

    /// <summary>No RFC 5389 magic cookie, and not a classic RFC 3489 Binding request either.</summary>
    WrongMagicCookie,

    /// <summary>An attribute header or value runs past the end of the message.</summary>
    AttributePastEnd,

    /// <summary>FINGERPRINT is not the last attribute.</summary>
    AttributeAfterFingerprint,

    /// <summary>MESSAGE-INTEGRITY not 20 bytes, or MESSAGE-INTEGRITY-SHA256 not 16 to 32 in steps of 4.</summary>
    InvalidIntegrityLength,

    /// <summary>FINGERPRINT not 4 bytes.</summary>
    InvalidFingerprintLength,
}
