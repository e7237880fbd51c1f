namespace TurnServer.Signaling.Messages;

/// <summary>The <c>code</c> of an error message: what the peer did wrong, for a program to act on.</summary>
public static class ErrorCode
{
    public const string BadMessage = "bad-message";
    public const string NotRegistered = "not-registered";
    public const string UnknownPeer = "unknown-peer";
    public const string RateLimited = "rate-limited";
    public const string TooManyRooms = "too-many-rooms";
}
