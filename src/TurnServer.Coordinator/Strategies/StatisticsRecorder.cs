namespace TurnServer.Coordinator.Strategies;

/// <summary>Counts attempts and keeps the times to connect, for <see cref="CoordinatorStatistics"/>.</summary>
internal sealed class StatisticsRecorder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ConnectionStrategy, List<TimeSpan>> _times = [];
    private int _attempts;
    private int _failures;
    private int _pathChanges;
    private int _accepted;

    public void Attempted() => Interlocked.Increment(ref _attempts);

    public void Failed() => Interlocked.Increment(ref _failures);

    public void PathChanged() => Interlocked.Increment(ref _pathChanges);

    /// <summary>A connection another peer started: counted apart, since it was not our attempt.</summary>
    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Connected(ConnectionStrategy strategy, TimeSpan took)
    {
        lock (_lock)
        {
            if (!_times.TryGetValue(strategy, out var times))
            {
                times = [];
                _times[strategy] = times;
            }

            times.Add(took);
        }
    }

    public CoordinatorStatistics Snapshot()
    {
        lock (_lock)
        {
            var byStrategy = _times.ToDictionary(
                entry => entry.Key,
                entry =>
                {
                    var sorted = entry.Value.Order().ToList();
                    return new StrategyStatistics(sorted.Count, sorted[sorted.Count / 2], sorted[^1]);
                });
            return new CoordinatorStatistics(Volatile.Read(ref _attempts), _times.Values.Sum(t => t.Count), Volatile.Read(ref _failures), Volatile.Read(ref _pathChanges), byStrategy) { Accepted = Volatile.Read(ref _accepted) };
        }
    }
}
