namespace TurnServer.Relay.Metrics;

/// <summary>Why a message or packet was dropped without an answer, as RFC 8656 says to.</summary>
public enum DropReason
{
    Malformed,
    BadFingerprint,
    RateLimited,
    NoAllocation,
    NoPermission,
    NoChannel,
}
