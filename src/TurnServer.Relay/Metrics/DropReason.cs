namespace TurnServer.Relay.Metrics;

/// <summary>
/// Why a message or packet was dropped, or refused with an error: what an operator watches to see an
/// attack without turning on debug logs.
/// </summary>
public enum DropReason
{
    /// <summary>Not a well-formed STUN or ChannelData message: dropped.</summary>
    Malformed,

    /// <summary>A FINGERPRINT that does not match: dropped.</summary>
    BadFingerprint,

    /// <summary>An unauthenticated request over the source's budget: dropped.</summary>
    RateLimited,

    NoAllocation,
    NoPermission,
    NoChannel,

    /// <summary>A nonce issued to another five-tuple, or never issued: a replay or a forgery, answered 438.</summary>
    Replayed,

    /// <summary>A peer the peer policy refuses: 403, or a Send indication dropped.</summary>
    PeerPolicy,

    /// <summary>A peer that is one of the server's own listeners, whatever the policy: 403, or dropped.</summary>
    RelayLoop,
}
