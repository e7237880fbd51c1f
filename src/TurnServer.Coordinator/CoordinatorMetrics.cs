using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using TurnServer.Coordinator.Connections;

namespace TurnServer.Coordinator;

/// <summary>
/// The coordinator's instruments, on the meter <see cref="MeterName"/> (OpenTelemetry or
/// <c>dotnet-counters</c> pick them up by that name): connections by state, path changes, failovers
/// consent failures and restarts, and how long connecting and failing over took.
/// </summary>
internal sealed class CoordinatorMetrics : IDisposable
{
    public const string MeterName = "TurnServer.Coordinator";

    private readonly Meter _meter = new(MeterName);

    /// <summary>This coordinator's own meter (each coordinator has one, so tests can tell theirs apart).</summary>
    public Meter Meter => _meter;
    private readonly ConcurrentDictionary<ConnectionState, int> _byState = new();
    private readonly Counter<long> _pathChanges;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _consentFailures;
    private readonly Counter<long> _restarts;
    private readonly Histogram<double> _timeToConnect;
    private readonly Histogram<double> _timeToFailOver;

    public CoordinatorMetrics()
    {
        _meter.CreateObservableGauge("p2p.connections", ObserveStates, "{connection}", "Connections by state");
        _pathChanges = _meter.CreateCounter<long>("p2p.path.changes", "{change}", "Moves of a connection's packets to another path");
        _failovers = _meter.CreateCounter<long>("p2p.failovers", "{failover}", "Moves away from a path that went quiet");
        _consentFailures = _meter.CreateCounter<long>("p2p.consent.failures", "{connection}", "Connections failed after the consent timeout");
        _restarts = _meter.CreateCounter<long>("p2p.restarts", "{restart}", "ICE restarts begun by this side (a network change, or the application)");
        _timeToConnect = _meter.CreateHistogram<double>("p2p.connect.duration", "s", "From the offer to a working path");
        _timeToFailOver = _meter.CreateHistogram<double>("p2p.failover.duration", "s", "From the last packet on a path to packets moving off it");
    }

    public void StateChanged(ConnectionState previous, ConnectionState current)
    {
        _byState.AddOrUpdate(previous, 0, (_, count) => Math.Max(0, count - 1));

        if (current is not (ConnectionState.Failed or ConnectionState.Closed))
        {
            _byState.AddOrUpdate(current, 1, (_, count) => count + 1);
        }
    }

    /// <summary>A connection object came to be (it starts connecting).</summary>
    public void Started() => _byState.AddOrUpdate(ConnectionState.Connecting, 1, (_, count) => count + 1);

    public void PathChanged(PathKind from, PathKind to) =>
        _pathChanges.Add(1, new TagList { { "from", from.ToString().ToLowerInvariant() }, { "to", to.ToString().ToLowerInvariant() } });

    public void FailedOver(TimeSpan quiet)
    {
        _failovers.Add(1);
        _timeToFailOver.Record(quiet.TotalSeconds);
    }

    public void ConsentLost() => _consentFailures.Add(1);

    public void Restarted() => _restarts.Add(1);

    public void Connected(TimeSpan took) => _timeToConnect.Record(took.TotalSeconds);

    private IEnumerable<Measurement<int>> ObserveStates() =>
        _byState.Select(entry => new Measurement<int>(entry.Value, new KeyValuePair<string, object?>("state", entry.Key.ToString().ToLowerInvariant())));

    public void Dispose() => _meter.Dispose();
}
