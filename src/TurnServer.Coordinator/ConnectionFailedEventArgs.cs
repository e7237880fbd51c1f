namespace TurnServer.Coordinator;

/// <summary>An attempt to connect to a peer failed; <see cref="WillRetry"/> says whether another follows.</summary>
public sealed class ConnectionFailedEventArgs(string peerId, Exception error, bool willRetry) : EventArgs
{
    public string PeerId { get; } = peerId;

    public Exception Error { get; } = error;

    public bool WillRetry { get; } = willRetry;
}
