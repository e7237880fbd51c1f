using System.Collections.Concurrent;
using System.Net;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// Keeping a connection up after it is made. Every pair remembers when the peer was last heard on
/// it (data from an authorized address, a signed check, or a signed answer to ours). The pair in use
/// is probed once it has been quiet for two thirds of <see cref="CoordinatorOptions.PathSuspectAfter"/>
/// and checked every <see cref="CoordinatorOptions.ConsentInterval"/> regardless (RFC 7675). Quiet
/// for the whole of it, the pair is suspect: packets move at once to the best other pair that works,
/// the warm relay if need be, and the controlling side nominates that pair so both sides agree;
/// the suspect pair is checked again by the check loop and taken back when it answers. Nothing from
/// the peer anywhere for <see cref="CoordinatorOptions.ConsentTimeout"/> fails the connection.
/// This is Tailscale's magicsock idea (trust a direct path only as long as it answers, with the
/// relay always ready) on ICE's checks.
/// </summary>
public sealed partial class PeerConnection
{
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), long> _heard = new();
    private long _heardAny;
    private long _lastCheck;
    private long _lastWarmCheck;
    private Task? _watching;

    private TimeSpan ProbeAfter => _options.PathSuspectAfter * 2 / 3;

    private void Heard(PacketBase at, IPEndPoint from)
    {
        var now = _time.GetTimestamp();
        _heard[(at, from)] = now;
        Volatile.Write(ref _heardAny, now);
    }

    private TimeSpan QuietFor(PacketBase packetBase, IPEndPoint remote) =>
        _heard.TryGetValue((packetBase, remote), out var at) ? _time.GetElapsedTime(at) : TimeSpan.MaxValue;

    private TimeSpan Since(long timestamp) => timestamp == 0 ? TimeSpan.MaxValue : _time.GetElapsedTime(timestamp);

    private async Task LivenessLoop()
    {
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_options.PathSuspectAfter.TotalMilliseconds / 10, 10, 250));
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                await Task.Delay(tick, _time, _closing.Token).ConfigureAwait(false);
                WatchOnce();
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    private void WatchOnce()
    {
        if (_selected is not { } selected || State is not (ConnectionState.Connected or ConnectionState.Disconnected))
        {
            return;
        }

        if (_fallback is not null && QuietFor(selected.Base, selected.Remote) < _options.PathSuspectAfter)
        {
            lock (_pathLock)
            {
                var previous = _fallback;
                _fallback = null;
                RaisePathChangeLocked(previous, "the path answers again");
            }
        }

        var sending = SendingPair!;
        var quiet = QuietFor(sending.Base, sending.Remote);
        if ((quiet >= ProbeAfter && Since(_lastCheck) >= ProbeAfter / 2) || Since(_lastCheck) >= _options.ConsentInterval)
        {
            _lastCheck = _time.GetTimestamp();
            // The answer is awaited for a whole suspect period, not just until the next probe: a late
            // answer still proves the pair works, and takes it back at once if it was suspected meanwhile.
            _ = CheckAsync(sending.Base, sending.Remote, sending.Path.RemoteKind, sends: 1, wait: _options.PathSuspectAfter);
        }

        if (quiet >= ProbeAfter && sending.Path.Kind == PathKind.Relayed)
        {
            SuspectRelays();
        }

        if (quiet >= _options.PathSuspectAfter)
        {
            OnSuspect(sending, quiet);
        }
        else
        {
            SetState(ConnectionState.Connected, "the peer is heard again");
        }

        KeepRelayWarm(sending);
        var silence = Since(Volatile.Read(ref _heardAny));
        if (silence >= _options.ConsentTimeout)
        {
            _metrics?.ConsentLost();
            SetState(ConnectionState.Failed, $"nothing from the peer on any path for {silence.TotalSeconds:0} s (consent lost)");
        }
    }

    /// <summary>The pair in use went quiet: packets move to the best other pair that works, or the connection is disconnected.</summary>
    private void OnSuspect(SelectedPair sending, TimeSpan quiet)
    {
        if (BestAlternative(sending) is not { } alternative)
        {
            SetState(ConnectionState.Disconnected, $"nothing from the peer on {sending.Path} for {quiet.TotalMilliseconds:0} ms, and no other path works yet");
            return;
        }

        _valid.TryRemove((sending.Base, sending.Remote), out _); // checked again by the check loop, and taken back when it answers
        _metrics?.FailedOver(quiet);
        Heard(alternative.Base, alternative.Remote); // trusted for a suspect period, as a new path is
        FallBack(alternative, $"failover: nothing from the peer for {quiet.TotalMilliseconds:0} ms");
        if (_controlling)
        {
            _ = NominateAsync(alternative.Base, alternative.Remote, alternative.Path.RemoteKind);
        }

        RecheckSoon();
    }

    /// <summary>
    /// The best pair known to work other than <paramref name="failing"/>: one the peer was heard on
    /// lately first, direct before relayed; a relayed pair even if quiet (the relay is the fallback that
    /// works), a quiet direct one never.
    /// </summary>
    private SelectedPair? BestAlternative(SelectedPair failing)
    {
        var selected = _selected;
        (PacketBase Base, IPEndPoint Remote, ConnectionPath Path)? best = null;
        var bestRank = -1;
        foreach (var (packetBase, remote) in _valid.Keys)
        {
            if (IsSame(failing, packetBase, remote) || _released.ContainsKey(packetBase))
            {
                continue;
            }

            var heardLately = QuietFor(packetBase, remote) < _options.PathSuspectAfter;
            var path = PathOf(packetBase, remote);
            if (!heardLately && (path.Kind == PathKind.Direct || (selected is not null && IsSame(selected, packetBase, remote))))
            {
                continue;
            }

            var rank = (heardLately ? 2 : 0) + (path.Kind == PathKind.Direct ? 1 : 0);
            if (rank > bestRank)
            {
                (best, bestRank) = ((packetBase, remote, path), rank);
            }
        }

        return best is { } pair ? new SelectedPair(pair.Base, pair.Remote, pair.Path) : null;
    }

    /// <summary>
    /// Under a direct path, a relayed pair is checked every <see cref="CoordinatorOptions.KeepAliveInterval"/>,
    /// so the fallback is known to work when it is needed: one through a relay of ours when there is
    /// one, since its traffic also keeps our NAT's mapping towards the TURN server open (a pair
    /// through only the peer's relay leaves that to the TURN client's refreshes).
    /// </summary>
    private void KeepRelayWarm(SelectedPair sending)
    {
        if (sending.Path.Kind != PathKind.Direct || !_options.KeepRelayWarm || Since(_lastWarmCheck) < _options.KeepAliveInterval)
        {
            return;
        }

        _lastWarmCheck = _time.GetTimestamp();
        var relayed = _valid.Keys.Where(pair => !_released.ContainsKey(pair.Item1) && PathOf(pair.Item1, pair.Item2).Kind == PathKind.Relayed);
        if (relayed.OrderBy(pair => pair.Item1 is RelayBase ? 0 : 1).FirstOrDefault() is ({ } packetBase, { } remote))
        {
            _ = KeepWarmAsync(packetBase, remote);
        }
    }

    private async Task KeepWarmAsync(PacketBase packetBase, IPEndPoint remote)
    {
        if (!await CheckAsync(packetBase, remote, _remoteCandidates.GetValueOrDefault(remote, CandidateKind.Relayed)).ConfigureAwait(false))
        {
            _valid.TryRemove((packetBase, remote), out _); // the check loop tries the relay's pairs again
            SuspectRelays();
        }
    }

    /// <summary>
    /// The signed close, twice on every pair that works (a datagram may be lost, and which pair the
    /// peer listens on is not ours to know), so the peer ends its side at once instead of after the
    /// consent timeout.
    /// </summary>
    private async Task SendCloseAsync()
    {
        if (_remote is not { } description)
        {
            return;
        }

        var pairs = _valid.Keys.Where(pair => !_released.ContainsKey(pair.Item1)).ToList();
        if (SendingPair is { } sending)
        {
            pairs.Add((sending.Base, sending.Remote));
        }

        foreach (var (packetBase, remote) in pairs.Distinct())
        {
            var close = CheckMessages.Request(TransactionId.NewRandom(), description.Ufrag, _local.Ufrag, description.Password, nominate: false, close: true);
            for (var copy = 0; copy < 2; copy++)
            {
                try
                {
                    await packetBase.SendAsync(remote, close, CancellationToken.None).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The close is a courtesy: whatever one base throws, the others still carry it and closing goes on.
                catch (Exception)
#pragma warning restore CA1031
                {
                    // That base is gone already: the others carry the close.
                }
            }
        }
    }
}
