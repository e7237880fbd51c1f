using System.Net;

namespace TurnServer.Client.Turn;

/// <summary>The relayed address a lost allocation had, the one made in its place, and why it was lost.</summary>
public sealed class TurnReallocatedEventArgs(IPEndPoint previousRelayedEndPoint, IPEndPoint relayedEndPoint, Exception cause) : EventArgs
{
    public IPEndPoint PreviousRelayedEndPoint { get; } = previousRelayedEndPoint;

    public IPEndPoint RelayedEndPoint { get; } = relayedEndPoint;

    public Exception Cause { get; } = cause;
}
