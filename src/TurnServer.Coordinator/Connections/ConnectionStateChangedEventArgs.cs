namespace TurnServer.Coordinator.Connections;

/// <summary>A connection's state moved; <see cref="Reason"/> says why in words, for logs.</summary>
public sealed class ConnectionStateChangedEventArgs(ConnectionState previous, ConnectionState current, string reason) : EventArgs
{
    public ConnectionState Previous { get; } = previous;

    public ConnectionState Current { get; } = current;

    public string Reason { get; } = reason;
}
