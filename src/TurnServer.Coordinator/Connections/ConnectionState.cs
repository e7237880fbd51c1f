namespace TurnServer.Coordinator.Connections;

/// <summary>Where a <see cref="PeerConnection"/> is in its life, as WebRTC's <c>iceConnectionState</c> names them.</summary>
public enum ConnectionState
{
    /// <summary>Checking paths; nothing can be sent yet.</summary>
    Connecting,

    /// <summary>A path carries the connection and the peer was heard on it lately.</summary>
    Connected,

    /// <summary>The path in use went quiet and no other works yet; still trying, and back to connected when the peer is heard.</summary>
    Disconnected,

    /// <summary>Nothing from the peer on any path for the consent timeout (RFC 7675): over.</summary>
    Failed,

    /// <summary>Closed by this side or by the peer's signed close.</summary>
    Closed,
}
