using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator;

/// <summary>How the coordinator's connection attempts went, per strategy that ended up carrying them.</summary>
public sealed record CoordinatorStatistics(
    int Attempts,
    int Successes,
    int Failures,
    int PathUpgrades,
    IReadOnlyDictionary<ConnectionStrategy, StrategyStatistics> ByStrategy)
{
    public double SuccessRate => Attempts == 0 ? 0 : (double)Successes / Attempts;
}

/// <summary>Connections a strategy carried and how long they took to connect.</summary>
public sealed record StrategyStatistics(int Connections, TimeSpan MedianTimeToConnect, TimeSpan MaxTimeToConnect);
