using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
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
public sealed class PeerCoordinator(CoordinatorOptions options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SessionDescription>> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PeerConnection, byte> _connections = new();
    private readonly Channel<PeerConnection> _accepted = Channel.CreateUnbounded<PeerConnection>();
    private readonly StatisticsRecorder _statistics = new();
    private readonly CancellationTokenSource _closing = new();
    private SignalingClient? _signaling;
    private bool? _relayReachable;
    private int _pendingAccepts;

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
    public string PeerId { get; } = PeerIdOf(options.SignalingToken);

    /// <summary>What NAT discovery found at initialization; null without STUN servers or before it.</summary>
    public NatDiscoveryResult? Nat { get; private set; }

    public StrategyRecommendation RecommendedStrategy => StrategyRecommendation.For(Nat?.Type);

    public CoordinatorStatistics Statistics => _statistics.Snapshot();

    /// <summary>Discovers the NAT (with the first two STUN servers), connects to signaling and registers.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (options.StunServers.Count > 0)
        {
            try
            {
                Nat = await NatDiscovery.DiscoverAsync(options.StunServers[0], options.StunServers.Count > 1 ? options.StunServers[1] : null, new Client.Stun.RetransmissionPolicy(TimeSpan.FromMilliseconds(200), 4, 8), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                Nat = null;
            }
        }

        _signaling = await SignalingClient.ConnectAsync(options.SignalingUri, options.SignalingToken, cancellationToken).ConfigureAwait(false);
        _signaling.SignalReceived += OnSignal;
        _signaling.PeerJoined += peer => PeerRegistered?.Invoke(this, peer);
        await _signaling.RegisterAsync(options.Metadata, cancellationToken).ConfigureAwait(false);
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
                ConnectionFailed?.Invoke(this, new ConnectionFailedEventArgs(peerId, e, willRetry: true));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff *= 2;
            }
            catch (Exception e) when (e is TimeoutException or SignalingException)
            {
                ConnectionFailed?.Invoke(this, new ConnectionFailedEventArgs(peerId, e, willRetry: false));
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
        _answers[session] = answer;
        PeerConnection? connection = null;
        try
        {
            (connection, var candidates) = await CandidateGatherer.GatherAsync(peerId, session, controlling: true, options, Nat?.Type, timeout.Token).ConfigureAwait(false);
            NoteRelay(connection);
            await Signaling.SignalAsync(peerId, connection.Describe(SessionDescription.Offer, candidates).ToJson(), timeout.Token).ConfigureAwait(false);
            var remote = await answer.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            await connection.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
            return Established(connection, clock.Elapsed);
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
            if (_answers.TryGetValue(description.Session, out var waiting))
            {
                waiting.TrySetResult(description);
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

    /// <summary>The side that did not start: gathers, answers the offer, and follows the checks.</summary>
    private async Task AnswerAsync(string from, SessionDescription offer)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(options.ConnectionTimeout);
        PeerConnection? connection = null;
        try
        {
            (connection, var candidates) = await CandidateGatherer.GatherAsync(from, offer.Session, controlling: false, options, Nat?.Type, timeout.Token).ConfigureAwait(false);
            NoteRelay(connection);
            var connecting = connection.ConnectAsync(offer, timeout.Token);
            await Signaling.SignalAsync(from, connection.Describe(SessionDescription.Answer, candidates).ToJson(), timeout.Token).ConfigureAwait(false);
            await connecting.ConfigureAwait(false);
            _accepted.Writer.TryWrite(Established(connection, clock.Elapsed));
        }
        catch (Exception e) when (e is OperationCanceledException or SignalingException or System.Net.WebSockets.WebSocketException)
        {
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
            if (!_closing.IsCancellationRequested)
            {
                ConnectionFailed?.Invoke(this, new ConnectionFailedEventArgs(from, e, willRetry: false));
            }
        }
    }

    private PeerConnection Established(PeerConnection connection, TimeSpan took)
    {
        _statistics.Connected(connection.Path!.Strategy, took);
        _connections.TryAdd(connection, 0);
        connection.PathChanged += (sender, change) =>
        {
            _statistics.Upgraded();
            PathChanged?.Invoke(sender, change);
        };
        Connected?.Invoke(this, connection);
        return connection;
    }

    private void NoteRelay(PeerConnection connection)
    {
        if (options.Strategies.Contains(ConnectionStrategy.TurnRelay) && options.TurnServers.Count > 0)
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

    /// <summary>Closes every connection and the signaling connection.</summary>
    public async ValueTask DisposeAsync()
    {
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
        ShutDown?.Invoke(this, EventArgs.Empty);
    }
}
