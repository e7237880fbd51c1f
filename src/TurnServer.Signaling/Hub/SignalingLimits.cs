namespace TurnServer.Signaling.Hub;

/// <summary>What one peer may do; the defaults suit offers with a few dozen candidates.</summary>
public sealed record SignalingLimits
{
    /// <summary>An SDP offer with many candidates is a few KiB; 64 KiB leaves room and caps the cost of a frame.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    public double MessagesPerSecond { get; init; } = 20;

    public int MessageBurst { get; init; } = 60;

    /// <summary>Messages refused for the rate in a row before the connection is closed.</summary>
    public int RefusalsBeforeClose { get; init; } = 20;

    public int MaxRoomsPerPeer { get; init; } = 16;

    /// <summary>How many peers a discover or join answer lists at most.</summary>
    public int MaxPeersListed { get; init; } = 256;

    /// <summary>Messages queued for a peer that does not read before it is dropped.</summary>
    public int SendQueueLength { get; init; } = 256;
}
