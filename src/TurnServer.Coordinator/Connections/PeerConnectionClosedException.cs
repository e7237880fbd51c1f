namespace TurnServer.Coordinator.Connections;

/// <summary>Sending or receiving on a connection that has failed or been closed.</summary>
public sealed class PeerConnectionClosedException : Exception
{
    public PeerConnectionClosedException()
        : this(ConnectionState.Closed, "closed")
    {
    }

    public PeerConnectionClosedException(string message)
        : this(ConnectionState.Closed, message)
    {
    }

    public PeerConnectionClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
        State = ConnectionState.Closed;
    }

    public PeerConnectionClosedException(ConnectionState state, string reason)
        : base($"the connection is {state.ToString().ToLowerInvariant()}: {reason}")
    {
        State = state;
    }

    /// <summary>Failed or Closed.</summary>
    public ConnectionState State { get; }
}
