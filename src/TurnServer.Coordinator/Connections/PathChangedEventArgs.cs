namespace TurnServer.Coordinator.Connections;

/// <summary>A connection moved to another path (from the relay to a direct one, most often).</summary>
public sealed class PathChangedEventArgs(ConnectionPath previous, ConnectionPath current) : EventArgs
{
    public ConnectionPath Previous { get; } = previous;

    public ConnectionPath Current { get; } = current;
}
