namespace TurnServer.Protocol.Attributes;

/// <summary>ERROR-CODE values from the IANA STUN registry that STUN and TURN servers send.</summary>
public enum StunErrorCode : ushort
{
    TryAlternate = 300,
    BadRequest = 400,
    Unauthorized = 401,
    Forbidden = 403,
    UnknownAttribute = 420,
    AllocationMismatch = 437,
    StaleNonce = 438,
    AddressFamilyNotSupported = 440,
    WrongCredentials = 441,
    UnsupportedTransportProtocol = 442,
    PeerAddressFamilyMismatch = 443,
    ConnectionAlreadyExists = 446,
    ConnectionTimeoutOrFailure = 447,
    AllocationQuotaReached = 486,
    RoleConflict = 487,
    ServerError = 500,
    InsufficientCapacity = 508,
}

public static class StunErrorCodeExtensions
{
    /// <summary>The registry's reason phrase as UTF-8, for responses written without allocating.</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(this StunErrorCode code) => code switch
    {
        StunErrorCode.TryAlternate => "Try Alternate"u8,
        StunErrorCode.BadRequest => "Bad Request"u8,
        StunErrorCode.Unauthorized => "Unauthorized"u8,
        StunErrorCode.Forbidden => "Forbidden"u8,
        StunErrorCode.UnknownAttribute => "Unknown Attribute"u8,
        StunErrorCode.AllocationMismatch => "Allocation Mismatch"u8,
        StunErrorCode.StaleNonce => "Stale Nonce"u8,
        StunErrorCode.AddressFamilyNotSupported => "Address Family not Supported"u8,
        StunErrorCode.WrongCredentials => "Wrong Credentials"u8,
        StunErrorCode.UnsupportedTransportProtocol => "Unsupported Transport Protocol"u8,
        StunErrorCode.PeerAddressFamilyMismatch => "Peer Address Family Mismatch"u8,
        StunErrorCode.ConnectionAlreadyExists => "Connection Already Exists"u8,
        StunErrorCode.ConnectionTimeoutOrFailure => "Connection Timeout or Failure"u8,
        StunErrorCode.AllocationQuotaReached => "Allocation Quota Reached"u8,
        StunErrorCode.RoleConflict => "Role Conflict"u8,
        StunErrorCode.ServerError => "Server Error"u8,
        StunErrorCode.InsufficientCapacity => "Insufficient Capacity"u8,
        _ => ReadOnlySpan<byte>.Empty,
    };
}
