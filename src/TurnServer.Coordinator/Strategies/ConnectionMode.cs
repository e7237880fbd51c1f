namespace TurnServer.Coordinator.Strategies;

/// <summary>Whether strategies are tried one after another or all at once.</summary>
public enum ConnectionMode
{
    Sequential,
    Race,
}
