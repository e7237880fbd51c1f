namespace TurnServer.Signaling.Hub;

/// <summary>Why the service closes a peer's connection: a WebSocket close status and its text.</summary>
public sealed record SignalingClose(int Status, string Reason)
{
    /// <summary>Another connection proved the same peer id; the newer one wins (a reconnect).</summary>
    public static readonly SignalingClose Replaced = new(4001, "replaced by a newer connection");

    public static readonly SignalingClose TooLarge = new(1009, "message too large");

    /// <summary>Kept sending past the rate limit after being told.</summary>
    public static readonly SignalingClose Flooding = new(1008, "rate limit exceeded");

    public static readonly SignalingClose TooSlow = new(1008, "not reading its messages");

    public static readonly SignalingClose ShuttingDown = new(1001, "service stopping");
}
