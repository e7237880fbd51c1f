using System.Collections.Concurrent;
using System.Net;
using TurnServer.Client.Stun;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;
using TurnServer.Coordinator.Strategies;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// Connectivity checks between our bases and the peer's candidates, ICE-style: both sides check
/// every pair the strategies allow, learn peer-reflexive addresses from checks that arrive from
/// elsewhere, and the controlling side (the one that offered) nominates the first pair that works,
/// preferring direct ones; the other side follows its nomination. Checks go on for the connection's
/// whole life: the relay's pairs are kept checked under a direct path (the warm fallback), and under
/// a relayed connection the direct pairs are checked again with backoff, so the path moves back
/// when one works.
/// </summary>
public sealed partial class PeerConnection
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan FirstRecheckPause = TimeSpan.FromMilliseconds(500);
    private readonly bool _controlling;
    private readonly CoordinatorOptions _options;
    private volatile CheckCredentials _local = CheckCredentials.New();
    private readonly ConcurrentDictionary<TransactionId, PendingCheck> _pending = new();
    private readonly ConcurrentDictionary<IPEndPoint, CandidateKind> _remoteCandidates = new();
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _valid = new();
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _inFlight = new();
    private readonly ConcurrentDictionary<PacketBase, byte> _released = new();
    private readonly Lock _nominating = new();
    private volatile SessionDescription? _remote;
    private Task? _checking;
    private bool _nominationInFlight;
    private TaskCompletionSource _recheckNow = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal string LocalUfrag => _local.Ufrag;

    internal SessionDescription Describe(string kind, IReadOnlyList<Candidate> candidates) => Describe(kind, _local, candidates);

    private SessionDescription Describe(string kind, CheckCredentials local, IReadOnlyList<Candidate> candidates) =>
        new(kind, SessionId, local.Ufrag, local.Password, candidates) { Nat = _localNat?.ToString() };

    /// <summary>Starts checking against the peer's description; completes when a path is chosen.</summary>
    internal Task<ConnectionPath> ConnectAsync(SessionDescription remote, CancellationToken cancellationToken)
    {
        _remote = remote;
        foreach (var (candidate, endPoint) in RemoteCandidatePolicy.Acceptable(remote.Candidates, _options.MaxRemoteCandidates, _options.IncludeLoopback))
        {
            if (candidate.Protocol == Candidate.Tcp)
            {
                _remoteTcp.Add(endPoint);
            }
            else
            {
                _remoteCandidates[endPoint] = candidate.Kind; // over a peer-reflexive guess from an early check
            }
        }

        _checking = Task.Run(CheckLoop, CancellationToken.None);
        _watching = Task.Run(LivenessLoop, CancellationToken.None);
        StartPortPrediction(remote);
        return _established.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A Binding request to a STUN server from one of our bases: the address the server saw, or null.</summary>
    internal async Task<IPEndPoint?> ReflexiveAddressAsync(PacketBase from, IPEndPoint server, CancellationToken cancellationToken)
    {
        var id = TransactionId.NewRandom();
        var answer = await ExchangeAsync(from, server, id, BindingRequest.Create(id), cancellationToken).ConfigureAwait(false);
        return answer is { } response ? BindingAnswer.Read(response.Packet, response.From, TimeSpan.Zero)?.Mapped : null;
    }

    /// <summary>
    /// Sends a request up to <paramref name="sends"/> times (eight by default, 100 ms apart: a punch
    /// needs packets going both ways soon), waiting <paramref name="wait"/> after each; the answer or null.
    /// </summary>
    private async Task<(byte[] Packet, IPEndPoint From)?> ExchangeAsync(PacketBase from, IPEndPoint to, TransactionId id, ReadOnlyMemory<byte> request, CancellationToken cancellationToken, int sends = 8, TimeSpan? wait = null)
    {
        var pending = new PendingCheck(from, to, new TaskCompletionSource<(byte[], IPEndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[id] = pending;
        try
        {
            for (var send = 0; send < sends; send++)
            {
                await from.SendAsync(to, request, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await pending.Answer.Task.WaitAsync(wait ?? TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Lost, or the pair does not work (yet): again.
                }
            }

            return null;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>A check from the peer: answer it, remember the address it came from, and follow a nomination.</summary>
    private void OnCheck(PacketBase at, IPEndPoint from, ReadOnlySpan<byte> packet)
    {
        if (SignedWith(packet, out var id, out var nominated, out var closing) is not { } password)
        {
            return; // not from the peer: a stranger cannot sign with this session's password
        }

        _ = at.SendAsync(from, CheckMessages.Response(id, from, password), _closing.Token).AsTask();
        _authorized.TryAdd((at, from), 0);
        Heard(at, from);
        if (at is not TcpBase && _remoteCandidates.Count < 2 * _options.MaxRemoteCandidates)
        {
            _remoteCandidates.TryAdd(from, CandidateKind.PeerReflexive);
        }

        if (closing)
        {
            SetState(ConnectionState.Closed, "closed by the peer");
        }
        else if (nominated && !_controlling)
        {
            Select(at, from);
        }
    }

    /// <summary>
    /// Checks every pair not known to work: quickly while connecting, then in rounds whose pauses
    /// double from <see cref="FirstRecheckPause"/> to the configured most, starting over when the
    /// path fails over (<see cref="RecheckSoon"/>). The relay's pairs are part of it once connected,
    /// so a warm fallback is known to work before it is needed.
    /// </summary>
    private async Task CheckLoop()
    {
        var started = _time.GetTimestamp();
        var pause = FirstRecheckPause;
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var elapsed = _time.GetElapsedTime(started);
                var current = _selected;
                var relayToo = current is not null || _options.Mode == ConnectionMode.Race || elapsed >= _options.DirectTimeout || !DirectAllowed || DirectHopeless;
                if (relayToo)
                {
                    StartTcpPunching();
                }

                var withRelay = current is null ? relayToo : _options.KeepRelayWarm || current.Path.Kind == PathKind.Relayed;
                foreach (var (packetBase, remote, kind) in Pairs(withRelay).Concat(TcpPairs()))
                {
                    if (_inFlight.TryAdd((packetBase, remote), 0))
                    {
                        _ = CheckInTurnAsync(packetBase, remote, kind);
                        await Task.Delay(TimeSpan.FromMilliseconds(5), _time, _closing.Token).ConfigureAwait(false);
                    }
                }

                if (current is null)
                {
                    await Task.Delay(Pace, _time, _closing.Token).ConfigureAwait(false);
                    continue;
                }

                NominateBetterPair();
                var recheckNow = Volatile.Read(ref _recheckNow);
                await Task.WhenAny(Task.Delay(pause, _time, _closing.Token), recheckNow.Task).ConfigureAwait(false);
                _closing.Token.ThrowIfCancellationRequested();
                if (recheckNow.Task.IsCompleted)
                {
                    Interlocked.CompareExchange(ref _recheckNow, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), recheckNow);
                    pause = FirstRecheckPause;
                }
                else
                {
                    pause = pause * 2 < _options.DirectRecheckMaxInterval ? pause * 2 : _options.DirectRecheckMaxInterval;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>Ends the check loop's pause and its backoff: a path has just failed, so the others are worth checking now.</summary>
    private void RecheckSoon() => Volatile.Read(ref _recheckNow).TrySetResult();

    /// <summary>
    /// The controlling side, now and then: a direct pair known to work beats a relayed path in use
    /// (one found while another nomination was in flight, say). Heard lately, it is nominated now;
    /// quiet, it goes back to the check loop, which nominates it when it answers.
    /// </summary>
    private void NominateBetterPair()
    {
        if (!_controlling || SendingPair is not { Path.Kind: PathKind.Relayed })
        {
            return;
        }

        foreach (var (packetBase, remote) in _valid.Keys)
        {
            if (_released.ContainsKey(packetBase) || PathOf(packetBase, remote).Kind != PathKind.Direct)
            {
                continue;
            }

            if (QuietFor(packetBase, remote) < _options.PathSuspectAfter)
            {
                _ = ConsiderNominatingAsync(packetBase, remote, _remoteCandidates.GetValueOrDefault(remote, CandidateKind.PeerReflexive));
                return;
            }

            _valid.TryRemove((packetBase, remote), out _);
        }
    }

    /// <summary>
    /// When no direct path can work (UDP blocked on a side, or two symmetric NATs), the relay is
    /// checked at once rather than after the direct timeout; direct pairs are still checked.
    /// </summary>
    private bool DirectHopeless
    {
        get
        {
            var remoteNat = Enum.TryParse<Client.Discovery.NatType>(_remote?.Nat, out var nat) ? nat : (Client.Discovery.NatType?)null;
            return _localNat == Client.Discovery.NatType.UdpBlocked || remoteNat == Client.Discovery.NatType.UdpBlocked
                || (_localNat == Client.Discovery.NatType.Symmetric && remoteNat == Client.Discovery.NatType.Symmetric);
        }
    }

    private bool DirectAllowed => _options.Strategies.Contains(ConnectionStrategy.Direct) || _options.Strategies.Contains(ConnectionStrategy.UdpHolePunching);

    /// <summary>The pairs the strategies allow; with the relay, also the pairs through relays on either side.</summary>
    private IEnumerable<(PacketBase Base, IPEndPoint Remote, CandidateKind RemoteKind)> Pairs(bool withRelay)
    {
        var strategies = _options.Strategies;
        foreach (var (remote, kind) in _remoteCandidates.ToArray())
        {
            foreach (var packetBase in _bases)
            {
                var relayed = packetBase.Kind == CandidateKind.Relayed || kind == CandidateKind.Relayed;
                var allowed = relayed
                    ? withRelay && strategies.Contains(ConnectionStrategy.TurnRelay)
                    : kind == CandidateKind.Host ? strategies.Contains(ConnectionStrategy.Direct) : strategies.Contains(ConnectionStrategy.UdpHolePunching);
                if (allowed && !_valid.ContainsKey((packetBase, remote)) && !_released.ContainsKey(packetBase) && remote.AddressFamily == packetBase.LocalEndPoint.AddressFamily)
                {
                    yield return (packetBase, remote, kind);
                }
            }
        }
    }

    /// <summary>One check at a time per pair: a pair whose check is still retransmitting is not checked again.</summary>
    private async Task CheckInTurnAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind)
    {
        try
        {
            await CheckAsync(packetBase, remote, remoteKind).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove((packetBase, remote), out _);
        }
    }

    /// <summary>Checks a pair (nominating it if asked); true when the peer answered from there.</summary>
    private async Task<bool> CheckAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind, bool nominate = false, int sends = 8, TimeSpan? wait = null)
    {
        if (_remote is not { } description)
        {
            return false;
        }

        var id = TransactionId.NewRandom();
        var request = CheckMessages.Request(id, description.Ufrag, _local.Ufrag, description.Password, nominate);
        try
        {
            var answer = await ExchangeAsync(packetBase, remote, id, request, _closing.Token, sends, wait).ConfigureAwait(false);
            if (answer is not { } response || !CheckMessages.IsValidResponse(response.Packet, description.Password))
            {
                if (nominate)
                {
                    _valid.TryRemove((packetBase, remote), out _); // checked again, and nominated again when it answers
                }

                return false;
            }

            Heard(packetBase, remote);
            await OnPairWorksAsync(packetBase, remote, remoteKind, nominate).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false; // closed
        }
    }

    private async Task OnPairWorksAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind, bool nominated)
    {
        _authorized.TryAdd((packetBase, remote), 0);
        _valid.TryAdd((packetBase, remote), 0);
        if (nominated)
        {
            Select(packetBase, remote);
        }
        else if (_controlling)
        {
            await ConsiderNominatingAsync(packetBase, remote, remoteKind).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The controlling side nominates a working pair when nothing better is in use: any pair at
    /// first (a relayed one in race mode only after the grace for a direct one), later a direct one
    /// under a relayed path, or any working one when the path in use has gone quiet.
    /// </summary>
    private async Task ConsiderNominatingAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind)
    {
        var direct = PathOf(packetBase, remote).Kind == PathKind.Direct;
        if (!direct && _options.Mode == ConnectionMode.Race && DirectAllowed && _selected is null)
        {
            await Task.Delay(_options.RaceGrace, _time, _closing.Token).ConfigureAwait(false);
        }

        var current = SendingPair;
        var better = current is null
            || (direct && current.Path.Kind == PathKind.Relayed)
            || (!IsSame(current, packetBase, remote) && QuietFor(current.Base, current.Remote) >= _options.PathSuspectAfter);
        if (better)
        {
            await NominateAsync(packetBase, remote, remoteKind).ConfigureAwait(false);
        }
    }

    /// <summary>A check with USE-CANDIDATE: the peer takes the pair when it arrives, we when it is answered; one at a time.</summary>
    private async Task NominateAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind)
    {
        lock (_nominating)
        {
            if (_nominationInFlight)
            {
                return;
            }

            _nominationInFlight = true;
        }

        try
        {
            await CheckAsync(packetBase, remote, remoteKind, nominate: true).ConfigureAwait(false);
        }
        finally
        {
            lock (_nominating)
            {
                _nominationInFlight = false;
            }
        }
    }

    private static bool IsSame(SelectedPair pair, PacketBase packetBase, IPEndPoint remote) => ReferenceEquals(pair.Base, packetBase) && pair.Remote.Equals(remote);

    private ConnectionPath PathOf(PacketBase packetBase, IPEndPoint remote)
    {
        var remoteKind = _remoteCandidates.GetValueOrDefault(remote, CandidateKind.PeerReflexive);
        var relayed = packetBase.Kind == CandidateKind.Relayed || remoteKind == CandidateKind.Relayed;
        var strategy = relayed ? ConnectionStrategy.TurnRelay
            : packetBase is TcpBase ? ConnectionStrategy.TcpHolePunching
            : !_bases.Contains(packetBase) || _predicted.ContainsKey(remote) ? ConnectionStrategy.PortPrediction // a spray socket, or a probed port
            : remoteKind == CandidateKind.Host ? ConnectionStrategy.Direct
            : ConnectionStrategy.UdpHolePunching;
        return new ConnectionPath(relayed ? PathKind.Relayed : PathKind.Direct, strategy, packetBase.Transport, packetBase.Kind, packetBase.LocalEndPoint, remoteKind, remote);
    }

    /// <summary>A check waiting for its answer: from where it left and to where it went, which the answer must match.</summary>
    private sealed record PendingCheck(PacketBase Base, IPEndPoint Remote, TaskCompletionSource<(byte[] Packet, IPEndPoint From)> Answer);
}
