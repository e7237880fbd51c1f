using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator;

/// <summary>
/// How this coordinator's own connection attempts went, per strategy that ended up carrying them;
/// connections other peers started are counted in <see cref="Accepted"/> only. <see cref="PathChanges"/>
/// counts every move of a connection's packets (upgrades to direct, failovers to the relay, returns).
/// </summary>
public sealed record CoordinatorStatistics(
    int Attempts,
    int Successes,
    int Failures,
    int PathChanges,
    IReadOnlyDictionary<ConnectionStrategy, StrategyStatistics> ByStrategy)
{
    /// <summary>Connections other peers started to us.</summary>
    public int Accepted { get; init; }

    /// <summary>Successes over attempts, of the attempts this coordinator made.</summary>
    public double SuccessRate => Attempts == 0 ? 0 : (double)Successes / Attempts;
}

/// <summary>Connections a strategy carried and how long they took to connect.</summary>
public sealed record StrategyStatistics(int Connections, TimeSpan MedianTimeToConnect, TimeSpan MaxTimeToConnect);
