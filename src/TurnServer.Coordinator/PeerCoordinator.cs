using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Client.Discovery;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;
using TurnServer.Coordinator.Signaling;
using TurnServer.Coordinator.Strategies;
using TurnServer.Signaling.Messages;

namespace TurnServer.Coordinator;

/// <summary>
/// Connects this peer to others: learns its NAT, registers with signaling, and for each connection
/// exchanges a session description with the peer over signaling and checks paths: direct, hole
/// punched, and through a TURN relay as the fallback that works whatever the NATs do. The peer
/// that calls <see cref="ConnectAsync"/> leads the attempt; the other side gets the connection from
/// <see cref="AcceptAsync"/> (and <see cref="Connected"/>).
/// </summary>
public sealed partial class PeerCoordinator : IAsyncDisposable
{
    /// <summary>Accepted connections waiting for <see cref="AcceptAsync"/>; past this, new ones are closed rather than kept for nobody.</summary>
    private const int AcceptQueueLength = 32;

    private readonly CoordinatorOptions options;
    private readonly ConcurrentDictionary<string, PendingAnswer> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PeerConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<string, PeerConnection> _bySession = new(StringComparer.Ordinal);
    private readonly Channel<PeerConnection> _accepted = Channel.CreateBounded<PeerConnection>(new BoundedChannelOptions(AcceptQueueLength) { FullMode = BoundedChannelFullMode.Wait });
    private readonly StatisticsRecorder _statistics = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly CoordinatorMetrics _metrics = new();
    private readonly ILogger _logger;
    private readonly EventQueue _events;
    private static readonly Client.Stun.RetransmissionPolicy StunProbe = new(TimeSpan.FromMilliseconds(250), 2, 2);
    private CoordinatorOptions _gathering;
    private SignalingClient? _signaling;
    private bool? _relayReachable;
    private int _pendingAccepts;
    private readonly Lock _addressesLock = new();
    private HashSet<System.Net.IPAddress> _addresses = [];

    public PeerCoordinator(CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        _gathering = options;
        PeerId = PeerIdOf(options.SignalingToken);
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PeerCoordinator>();
        _events = new EventQueue(_logger);
    }

    public event EventHandler? Initialized;

    /// <summary>A peer joined a room we are in.</summary>
    public event EventHandler<PeerInfo>? PeerRegistered;

    /// <summary>A connection is up, whichever side started it.</summary>
    public event EventHandler<PeerConnection>? Connected;

    public event EventHandler<ConnectionFailedEventArgs>? ConnectionFailed;

    /// <summary>A connection moved to another path (usually from the relay to a direct one).</summary>
    public event EventHandler<PathChangedEventArgs>? PathChanged;

    public event EventHandler? ShutDown;

    public CoordinatorOptions Options => options;

    /// <summary>This peer's id, as its signaling token names it.</summary>
    public string PeerId { get; }

    /// <summary>What NAT discovery found at initialization; null without STUN servers or before it.</summary>
    public NatDiscoveryResult? Nat { get; private set; }

    public StrategyRecommendation RecommendedStrategy => StrategyRecommendation.For(Nat?.Type);

    public CoordinatorStatistics Statistics => _statistics.Snapshot();

    /// <summary>
    /// The STUN servers in the order given, those that answer a Binding first (one probe each, all at
    /// once, 750 ms): a server that is down must not make discovery decide that UDP is blocked, nor
    /// cost every gathering its timeout. With none answering the list is kept as it is, and
    /// discovery then says UDP is blocked, which it is.
    /// </summary>
    private static async Task<IReadOnlyList<System.Net.IPEndPoint>> AnsweringFirstAsync(IReadOnlyList<System.Net.IPEndPoint> servers, CancellationToken cancellationToken)
    {
        var probes = servers.Select(async server =>
        {
            var any = new System.Net.IPEndPoint(server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? System.Net.IPAddress.IPv6Any : System.Net.IPAddress.Any, 0);
            await using var socket = new Client.Stun.UdpStunSocket(any, StunProbe);
            try
            {
                return await socket.BindingAsync(server, cancellationToken: cancellationToken).ConfigureAwait(false) is not null;
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                return false;
            }
        }).ToList();
        var answered = await Task.WhenAll(probes).ConfigureAwait(false);
        return [.. servers.Where((_, i) => answered[i]), .. servers.Where((_, i) => !answered[i])];
    }

    /// <summary>The options with <see cref="CoordinatorOptions.IceServers"/> resolved into STUN servers and a last TURN tier.</summary>
    private async Task<CoordinatorOptions> WithIceServersAsync(CancellationToken cancellationToken)
    {
        if (options.IceServers.Count == 0)
        {
            return options;
        }

        var (stun, turn) = await Servers.IceServerResolver.ResolveAsync(options.IceServers, options.ResolveHost, _logger, cancellationToken).ConfigureAwait(false);
        return options with
        {
            StunServers = [.. options.StunServers, .. stun],
            TurnServers = turn.Count == 0 ? options.TurnServers : [.. options.TurnServers, turn],
        };
    }

    /// <summary>Discovers the NAT (with the first two STUN servers that answer), connects to signaling and registers.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var servers = await WithIceServersAsync(cancellationToken).ConfigureAwait(false);
        _gathering = servers;
        if (servers.StunServers.Count > 0)
        {
            var answering = await AnsweringFirstAsync(servers.StunServers, cancellationToken).ConfigureAwait(false);
            _gathering = servers with { StunServers = answering };
            try
            {
                Nat = await NatDiscovery.DiscoverAsync(answering[0], answering.Count > 1 ? answering[1] : null, new Client.Stun.RetransmissionPolicy(TimeSpan.FromMilliseconds(200), 4, 8), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                Nat = null;
            }
        }

        _signaling = await SignalingClient.ConnectAsync(options.SignalingUri, options.SignalingToken, cancellationToken).ConfigureAwait(false);
        _signaling.SignalReceived += OnSignal;

        _signaling.PeerUnreachable += OnPeerUnreachable;
        _signaling.PeerJoined += peer => _events.Post(() => PeerRegistered?.Invoke(this, peer));
        await _signaling.RegisterAsync(options.Metadata, cancellationToken).ConfigureAwait(false);
        if (options.RestartOnNetworkChange)
        {
            _addresses = CandidateGatherer.HostAddresses(options.IncludeLoopback).ToHashSet();
            NetworkChange.NetworkAddressChanged -= OnNetworkAddressChanged; // once, however often this is called
            NetworkChange.NetworkAddressChanged += OnNetworkAddressChanged;
        }

        Initialized?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Registers again with other metadata.</summary>
    public Task RegisterAsync(object? metadata, CancellationToken cancellationToken = default) => Signaling.RegisterAsync(metadata, cancellationToken);

    public Task<IReadOnlyList<PeerInfo>> JoinRoomAsync(string room, CancellationToken cancellationToken = default) => Signaling.JoinAsync(room, cancellationToken);

    public Task<IReadOnlyList<PeerInfo>> DiscoverPeersAsync(string? room = null, CancellationToken cancellationToken = default) => Signaling.DiscoverAsync(room, cancellationToken);

    /// <summary>
    /// Connects to a registered peer, retrying a timed-out attempt with backoff; throws
    /// <see cref="TimeoutException"/> when every attempt fails.
    /// </summary>
    public async Task<PeerConnection> ConnectAsync(string peerId, CancellationToken cancellationToken = default)
    {
        var backoff = options.RetryBackoff;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await AttemptAsync(peerId, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e) when (attempt < options.MaxRetries)
            {
                RaiseConnectionFailed(peerId, e, willRetry: true);
                await Task.Delay(backoff, options.Time, cancellationToken).ConfigureAwait(false);
                backoff *= 2;
            }
            catch (Exception e) when (e is TimeoutException or SignalingException)
            {
                RaiseConnectionFailed(peerId, e, willRetry: false);
                throw;
            }
        }
    }

    /// <summary>The next connection another peer started to us.</summary>
    public ValueTask<PeerConnection> AcceptAsync(CancellationToken cancellationToken = default) => _accepted.Reader.ReadAsync(cancellationToken);

    public HealthReport CheckHealth()
    {
        var signaling = _signaling?.IsConnected ?? false;
        return new HealthReport(signaling && _relayReachable != false, signaling, Nat?.Type, _relayReachable, _connections.Count);
    }

    private SignalingClient Signaling => _signaling ?? throw new InvalidOperationException("call InitializeAsync first");

    private async Task<PeerConnection> AttemptAsync(string peerId, CancellationToken cancellationToken)
    {
        _statistics.Attempted();
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        timeout.CancelAfter(options.ConnectionTimeout);
        var session = SessionDescription.NewSessionId();
        var answer = new TaskCompletionSource<SessionDescription>(TaskCreationOptions.RunContinuationsAsynchronously);
        _answers[session] = new PendingAnswer(peerId, answer);
        PeerConnection? connection = null;
        try
        {
            (connection, var candidates) = await CandidateGatherer.GatherAsync(peerId, session, controlling: true, _gathering, Nat?.Type, _metrics, timeout.Token).ConfigureAwait(false);
            NoteRelay(connection);
            await Signaling.SignalAsync(peerId, connection.Describe(SessionDescription.Offer, candidates).ToJson(), timeout.Token).ConfigureAwait(false);
            var remote = await answer.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            await connection.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
            return Established(connection, clock.Elapsed, outgoing: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _statistics.Failed();
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
            throw new TimeoutException($"no path to {peerId} within {options.ConnectionTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            _statistics.Failed();
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _answers.TryRemove(session, out _);
        }
    }

    private void OnSignal(string from, JsonElement data)
    {
        if (SessionDescription.FromJson(data) is not { } description)
        {
            return;
        }

        if (description.Kind == SessionDescription.Answer)
        {
            if (_answers.TryGetValue(description.Session, out var waiting) && waiting.PeerId == from)
            {
                waiting.Answer.TrySetResult(description); // only from the peer the offer went to
            }

            return;
        }

        if (description.Kind is SessionDescription.Update or SessionDescription.Restart or SessionDescription.RestartAnswer)
        {
            if (_bySession.TryGetValue(description.Session, out var updated) && updated.PeerId == from)
            {
                if (description.Kind == SessionDescription.Update)
                {
                    updated.OnUpdate(description);
                }
                else
                {
                    updated.OnRestart(description);
                }
            }

            return;
        }

        if (!(options.AcceptFrom?.Invoke(from) ?? true))
        {
            return;
        }

        if (Interlocked.Increment(ref _pendingAccepts) > options.MaxPendingAccepts)
        {
            Interlocked.Decrement(ref _pendingAccepts); // over the limit: ignored, and it times out at its sender
            return;
        }

        _ = Task.Run(
            async () =>
            {
                try
                {
                    await AnswerAsync(from, description).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _pendingAccepts);
                }
            },
            CancellationToken.None);
    }

    /// <summary>Signaling says the peer an offer went to is not connected: its attempts fail now instead of timing out.</summary>
    private void OnPeerUnreachable(string peerId)
    {
        foreach (var pending in _answers.Values.Where(pending => pending.PeerId == peerId))
        {
            pending.Answer.TrySetException(new SignalingException(TurnServer.Signaling.Messages.ErrorCode.UnknownPeer, $"peer \"{peerId}\" is not connected to signaling"));
        }
    }

    /// <summary>The side that did not start: gathers, answers the offer, and follows the checks.</summary>
    private async Task AnswerAsync(string from, SessionDescription offer)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(options.ConnectionTimeout);
        PeerConnection? connection = null;
        try
        {
            (connection, var candidates) = await CandidateGatherer.GatherAsync(from, offer.Session, controlling: false, _gathering, Nat?.Type, _metrics, timeout.Token).ConfigureAwait(false);
            NoteRelay(connection);
            var connecting = connection.ConnectAsync(offer, timeout.Token);
            await Signaling.SignalAsync(from, connection.Describe(SessionDescription.Answer, candidates).ToJson(), timeout.Token).ConfigureAwait(false);
            await connecting.ConfigureAwait(false);
            var established = Established(connection, clock.Elapsed, outgoing: false);
            if (!_accepted.Writer.TryWrite(established))
            {
                LogAcceptQueueFull(_logger, from);
                await established.DisposeAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Whatever a peer's offer makes fail, the attempt's sockets and allocation must be released and the coordinator carry on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
            if (!_closing.IsCancellationRequested)
            {
                LogAnswerFailed(_logger, from, e);
                RaiseConnectionFailed(from, e, willRetry: false);
            }
        }
    }

    private PeerConnection Established(PeerConnection connection, TimeSpan took, bool outgoing)
    {
        if (outgoing)
        {
            _statistics.Connected(connection.Path!.Strategy, took);
        }
        else
        {
            _statistics.Accepted();
        }

        _metrics.Connected(took);
        _connections.TryAdd(connection, 0);
        _bySession[connection.SessionId] = connection;
        connection.SendUpdate = (update, cancellationToken) => Signaling.SignalAsync(connection.PeerId, update.ToJson(), cancellationToken);
        connection.PathChanged += (sender, change) =>
        {
            _statistics.PathChanged();
            PathChanged?.Invoke(sender, change);
        };
        _ = connection.Completion.ContinueWith(
            ended =>
            {
                _connections.TryRemove(connection, out var _);
                _bySession.TryRemove(new KeyValuePair<string, PeerConnection>(connection.SessionId, connection));
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _events.Post(() => Connected?.Invoke(this, connection));
        return connection;
    }

    private void RaiseConnectionFailed(string peerId, Exception error, bool willRetry) =>
        _events.Post(() => ConnectionFailed?.Invoke(this, new ConnectionFailedEventArgs(peerId, error, willRetry)));

    private void NoteRelay(PeerConnection connection)
    {
        if (options.Strategies.Contains(ConnectionStrategy.TurnRelay) && _gathering.TurnServers.Count > 0)
        {
            _relayReachable = connection.HasRelay;
        }
    }

    private static async Task DisposeQuietlyAsync(PeerConnection? connection)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string PeerIdOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var first = token.IndexOf(':', StringComparison.Ordinal);
        var last = token.LastIndexOf(':');
        return first >= 0 && last > first ? token[(first + 1)..last] : throw new ArgumentException("not a signaling token", nameof(token));
    }

    /// <summary>
    /// The system says the network changed. Only a change of this machine's addresses counts (the
    /// event comes for other reasons too): with one gone, signaling (whose connection may have used
    /// it) connects again at once rather than after its keep-alive times out; either way, every
    /// connection restarts, since it may have lost its path or gained a better one.
    /// </summary>
    private void OnNetworkAddressChanged(object? sender, EventArgs e)
    {
        HashSet<System.Net.IPAddress> now;
        try
        {
            now = CandidateGatherer.HostAddresses(options.IncludeLoopback).ToHashSet();
        }
        catch (NetworkInformationException exception)
        {
            LogAddressesUnknown(_logger, exception); // an interface vanishing as it was listed: the next event sees the result
            return;
        }

        HashSet<System.Net.IPAddress> before;
        lock (_addressesLock)
        {
            (before, _addresses) = (_addresses, now);
        }

        if (before.SetEquals(now))
        {
            return;
        }

        var gone = before.Except(now).ToList();
        var added = now.Except(before).Count();
        LogAddressesChanged(_logger, added, gone.Count);
        if (gone.Count > 0)
        {
            _signaling?.Reconnect();
        }

        foreach (var connection in _connections.Keys)
        {
            connection.RestartSoon(gone.Count > 0 ? $"{gone[0]} is gone" : "a new address");
        }
    }

    /// <summary>Closes every connection and the signaling connection.</summary>
    public async ValueTask DisposeAsync()
    {
        NetworkChange.NetworkAddressChanged -= OnNetworkAddressChanged;
        await _closing.CancelAsync().ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _accepted.Writer.TryComplete();
        while (_accepted.Reader.TryRead(out var unclaimed))
        {
            await unclaimed.DisposeAsync().ConfigureAwait(false);
        }

        if (_signaling is not null)
        {
            await _signaling.DisposeAsync().ConfigureAwait(false);
        }

        _closing.Dispose();
        _events.Post(() => ShutDown?.Invoke(this, EventArgs.Empty));
        await _events.CompleteAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }

    private sealed record PendingAnswer(string PeerId, TaskCompletionSource<SessionDescription> Answer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This machine's addresses could not be listed after a network change")]
    private static partial void LogAddressesUnknown(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "This machine's addresses changed ({Added} new, {Gone} gone): connections restart")]
    private static partial void LogAddressesChanged(ILogger logger, int added, int gone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An offer from {Peer} was answered, but nobody is accepting connections: closed")]
    private static partial void LogAcceptQueueFull(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answering an offer from {Peer} failed")]
    private static partial void LogAnswerFailed(ILogger logger, string peer, Exception exception);
}
