namespace TurnServer.Protocol.Attributes;

/// <summary>PASSWORD-ALGORITHM values (RFC 8489 section 18.5): how the long-term key is derived.</summary>
public enum PasswordAlgorithm : ushort
{
    /// <summary>key = MD5(username ":" realm ":" password): what every deployed client uses.</summary>
    Md5 = 0x0001,

    /// <summary>key = SHA-256(username ":" realm ":" password).</summary>
    Sha256 = 0x0002,
}
