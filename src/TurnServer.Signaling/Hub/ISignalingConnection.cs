using TurnServer.Signaling.Messages;

namespace TurnServer.Signaling.Hub;

/// <summary>One peer's live connection to the hub, as the transport (the WebSocket endpoint) provides it.</summary>
public interface ISignalingConnection
{
    /// <summary>The id its token proved.</summary>
    string PeerId { get; }

    /// <summary>
    /// Queues a message without waiting. False when the peer reads too slowly to keep up: the
    /// transport then closes it, because a queue without bound is memory an attacker can fill.
    /// </summary>
    bool TrySend(SignalingMessage message);

    /// <summary>Closes the connection for the reason given (a WebSocket close status and text).</summary>
    void Close(SignalingClose reason);
}
