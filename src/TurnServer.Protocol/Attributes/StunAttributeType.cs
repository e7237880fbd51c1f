namespace TurnServer.Protocol.Attributes;

/// <summary>
/// Attribute types from the IANA STUN registry that this project reads or writes. Values below
/// 0x8000 are comprehension-required: a server that does not know one answers 420.
/// </summary>
public enum StunAttributeType : ushort
{
    // RFC 8489
    MappedAddress = 0x0001,
    Username = 0x0006,
    MessageIntegrity = 0x0008,
    ErrorCode = 0x0009,
    UnknownAttributes = 0x000A,
    Realm = 0x0014,
    Nonce = 0x0015,
    MessageIntegritySha256 = 0x001C,
    PasswordAlgorithm = 0x001D,
    Userhash = 0x001E,
    XorMappedAddress = 0x0020,
    PasswordAlgorithms = 0x8002,
    AlternateDomain = 0x8003,
    Software = 0x8022,
    AlternateServer = 0x8023,
    Fingerprint = 0x8028,

    // RFC 8656 (TURN)
    ChannelNumber = 0x000C,
    Lifetime = 0x000D,
    XorPeerAddress = 0x0012,
    Data = 0x0013,
    XorRelayedAddress = 0x0016,
    RequestedAddressFamily = 0x0017,
    EvenPort = 0x0018,
    RequestedTransport = 0x0019,
    DontFragment = 0x001A,
    ReservationToken = 0x0022,
    AdditionalAddressFamily = 0x8000,
    AddressErrorCode = 0x8001,
    Icmp = 0x8004,

    // RFC 6062 (TURN TCP allocations)
    ConnectionId = 0x002A,

    // RFC 5780 (NAT behaviour discovery)
    ChangeRequest = 0x0003,
    Padding = 0x0026,
    ResponsePort = 0x0027,
    ResponseOrigin = 0x802B,
    OtherAddress = 0x802C,

    // RFC 8445 (ICE): not processed by a TURN server, named so logs and tests can say what they are.
    Priority = 0x0024,
    UseCandidate = 0x0025,
    IceControlled = 0x8029,
    IceControlling = 0x802A,
}

public static class StunAttributeTypeExtensions
{
    /// <summary>RFC 8489 section 14: types 0x0000-0x7FFF must be understood or the request refused.</summary>
    public static bool IsComprehensionRequired(this StunAttributeType type) => (ushort)type < 0x8000;
}
