namespace TurnServer.Coordinator.Connections;

/// <summary>Whether packets go straight between the peers or through a TURN server.</summary>
public enum PathKind
{
    Direct,
    Relayed,
}
