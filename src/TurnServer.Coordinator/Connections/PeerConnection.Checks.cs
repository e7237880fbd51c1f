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
/// preferring direct ones; the other side follows its nomination. Under a relayed connection the
/// direct pairs are still checked for a while, and the path moves when one works.
/// </summary>
public sealed partial class PeerConnection
{
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan UpgradePace = TimeSpan.FromMilliseconds(500);
    private readonly bool _controlling;
    private readonly CoordinatorOptions _options;
    private readonly string _localUfrag;
    private readonly string _localPassword;
    private readonly ConcurrentDictionary<TransactionId, TaskCompletionSource<(byte[] Packet, IPEndPoint From)>> _pending = new();
    private readonly ConcurrentDictionary<IPEndPoint, CandidateKind> _remoteCandidates = new();
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _valid = new();
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _inFlight = new();
    private readonly Lock _nominating = new();
    private SessionDescription? _remote;
    private Task? _checking;
    private bool _nominationInFlight;

    internal string LocalUfrag => _localUfrag;

    internal SessionDescription Describe(string kind, IReadOnlyList<Candidate> candidates) =>
        new(kind, SessionId, _localUfrag, _localPassword, candidates) { Nat = _localNat?.ToString() };

    /// <summary>Starts checking against the peer's description; completes when a path is chosen.</summary>
    internal Task<ConnectionPath> ConnectAsync(SessionDescription remote, CancellationToken cancellationToken)
    {
        _remote = remote;
        foreach (var candidate in remote.Candidates)
        {
            if (candidate.ToEndPoint() is not { } endPoint)
            {
                continue;
            }

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
        var answer = new TaskCompletionSource<(byte[], IPEndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            for (var send = 0; send < sends; send++)
            {
                await from.SendAsync(to, request, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await answer.Task.WaitAsync(wait ?? TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
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
        if (!CheckMessages.IsValidRequest(packet, _localUfrag, _localPassword, out var id, out var nominated))
        {
            return; // not from the peer: a stranger cannot sign with this session's password
        }

        _ = at.SendAsync(from, CheckMessages.Response(id, from, _localPassword), _closing.Token).AsTask();
        _authorized.TryAdd((at, from), 0);
        if (at is not TcpBase)
        {
            _remoteCandidates.TryAdd(from, CandidateKind.PeerReflexive);
        }

        if (nominated && !_controlling)
        {
            Select(at, from);
        }
    }

    private async Task CheckLoop()
    {
        var started = DateTime.UtcNow;
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var elapsed = DateTime.UtcNow - started;
                var relayToo = _options.Mode == ConnectionMode.Race || elapsed >= _options.DirectTimeout || !DirectAllowed || DirectHopeless;
                var current = _selected?.Path;
                if (current is { Kind: PathKind.Direct } || (current is not null && (!_controlling || elapsed > _options.UpgradeWindow)))
                {
                    break; // connected directly, or the upgrade window has passed (only the controlling side moves paths)
                }

                if (relayToo)
                {
                    StartTcpPunching();
                }

                foreach (var (packetBase, remote, kind) in Pairs(relayToo && current is null).Concat(TcpPairs()))
                {
                    if (_inFlight.TryAdd((packetBase, remote), 0))
                    {
                        _ = CheckInTurnAsync(packetBase, remote, kind);
                        await Task.Delay(TimeSpan.FromMilliseconds(5), _closing.Token).ConfigureAwait(false);
                    }
                }

                await Task.Delay(current is null ? Pace : UpgradePace, _closing.Token).ConfigureAwait(false);
            }

            await KeepAliveLoop().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>A check on the path in use now and then: keeps NAT mappings and the peer's view of it fresh.</summary>
    private async Task KeepAliveLoop()
    {
        while (!_closing.IsCancellationRequested)
        {
            await Task.Delay(_options.KeepAliveInterval, _closing.Token).ConfigureAwait(false);
            if (_selected is { } selected)
            {
                _ = CheckAsync(selected.Base, selected.Remote, selected.Path.RemoteKind);
            }
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
                if (allowed && !_valid.ContainsKey((packetBase, remote)) && remote.AddressFamily == packetBase.LocalEndPoint.AddressFamily)
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

    private async Task CheckAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind, bool nominate = false)
    {
        if (_remote is not { } description)
        {
            return;
        }

        var id = TransactionId.NewRandom();
        var request = CheckMessages.Request(id, description.Ufrag, _localUfrag, description.Password, nominate);
        try
        {
            var answer = await ExchangeAsync(packetBase, remote, id, request, _closing.Token).ConfigureAwait(false);
            if (answer is not { } response || !CheckMessages.IsValidResponse(response.Packet, description.Password))
            {
                if (nominate)
                {
                    _valid.TryRemove((packetBase, remote), out _); // checked again, and nominated again when it answers
                }

                return;
            }

            await OnPairWorksAsync(packetBase, remote, remoteKind, nominate).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closed.
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
    /// under a relayed connection.
    /// </summary>
    private async Task ConsiderNominatingAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind)
    {
        var direct = PathOf(packetBase, remote).Kind == PathKind.Direct;
        if (!direct && _options.Mode == ConnectionMode.Race && DirectAllowed)
        {
            await Task.Delay(_options.RaceGrace, _closing.Token).ConfigureAwait(false);
        }

        lock (_nominating)
        {
            var current = _selected?.Path;
            if (_nominationInFlight || (current is not null && (current.Kind == PathKind.Direct || !direct)))
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
}
