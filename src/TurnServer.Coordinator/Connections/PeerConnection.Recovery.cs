using System.Net;
using Microsoft.Extensions.Logging;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// Recovering from a lost TURN allocation. Over UDP a restarted server says nothing until asked, so
/// a relayed path gone quiet makes our relays ask at once; the TURN client allocates again by itself
/// and reinstalls its permissions and channels, but the relayed address is new, and the peer (whose
/// NAT may let in only addresses it has sent to) must be told it: an update over signaling, sent
/// again until signaling is back, after which both sides check the new pairs and the controlling
/// side nominates one.
/// </summary>
public sealed partial class PeerConnection
{
    private static readonly TimeSpan UpdateRetryPause = TimeSpan.FromSeconds(1);

    /// <summary>How an update reaches the peer: the coordinator's signaling; null for a connection without one (tests).</summary>
    internal Func<SessionDescription, CancellationToken, Task>? SendUpdate { get; set; }

    /// <summary>A relay of the attempt's own becomes one of its bases.</summary>
    internal void AddRelay(RelayBase relay)
    {
        relay.Reallocated += OnRelayReallocated;
        relay.Start(OnPacket);
        _bases.Add(relay);
    }

    /// <summary>The relayed candidates of our relays still in use, as they are now (after a reallocation, say).</summary>
    internal IEnumerable<Candidate> RelayedCandidates =>
        _bases.OfType<RelayBase>().Where(relay => !_released.ContainsKey(relay)).Select(relay => Candidate.Of(CandidateKind.Relayed, relay.LocalEndPoint)).ToList();

    /// <summary>The path in use goes through a relay and went quiet: perhaps the server lost the allocation.</summary>
    private void SuspectRelays()
    {
        foreach (var relay in _bases.OfType<RelayBase>())
        {
            if (!_released.ContainsKey(relay))
            {
                relay.CheckAllocationSoon();
            }
        }
    }

    private void OnRelayReallocated(RelayBase relay, IPEndPoint relayed)
    {
        LogReallocated(_logger, PeerId, relayed);
        RecheckSoon();
        if (SendUpdate is { } send && _remote is not null)
        {
            var update = Describe(SessionDescription.Update, [Candidate.Of(CandidateKind.Relayed, relayed)]);
            _ = SendUpdateUntilDeliveredAsync(send, update);
        }
    }

    /// <summary>
    /// Sends the update, and again every <see cref="UpdateRetryPause"/> while the peer stays
    /// unheard: signaling may be down too (the same server restarting), or back before the peer has
    /// registered again, and then the update is lost. Bounded by the consent timeout.
    /// </summary>
    private async Task SendUpdateUntilDeliveredAsync(Func<SessionDescription, CancellationToken, Task> send, SessionDescription update)
    {
        var started = _time.GetTimestamp();
        try
        {
            while (_time.GetElapsedTime(started) < _options.ConsentTimeout && SendingPair is { } sending
                && (_time.GetElapsedTime(started) < UpdateRetryPause || QuietFor(sending.Base, sending.Remote) >= ProbeAfter))
            {
                try
                {
                    await send(update, _closing.Token).ConfigureAwait(false);
                }
                catch (Signaling.SignalingException)
                {
                    // Signaling is down: again after the pause.
                }

                await Task.Delay(UpdateRetryPause, _time, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>The peer's candidates changed: a new relayed candidate replaces the ones it had.</summary>
    internal void OnUpdate(SessionDescription update)
    {
        var added = RemoteCandidatePolicy.Acceptable(update.Candidates, _options.MaxRemoteCandidates, _options.IncludeLoopback)
            .Where(c => c.Candidate.Protocol == Candidate.Udp).ToList();
        if (added.Count == 0)
        {
            return;
        }

        if (added.Exists(c => c.Candidate.Kind == CandidateKind.Relayed))
        {
            foreach (var (stale, _) in _remoteCandidates.Where(c => c.Value == CandidateKind.Relayed && !added.Exists(a => a.EndPoint.Equals(c.Key))).ToList())
            {
                _remoteCandidates.TryRemove(stale, out _);
                foreach (var pair in _valid.Keys.Where(pair => pair.Item2.Equals(stale)).ToList())
                {
                    _valid.TryRemove(pair, out _);
                }
            }
        }

        foreach (var (candidate, endPoint) in added)
        {
            _remoteCandidates[endPoint] = candidate.Kind;
        }

        LogUpdated(_logger, PeerId, added.Count);
        RecheckSoon();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: our relay was allocated again at {Relayed}; telling the peer")]
    private static partial void LogReallocated(ILogger logger, string peer, IPEndPoint relayed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: the peer sent {Count} new candidates")]
    private static partial void LogUpdated(ILogger logger, string peer, int count);
}
