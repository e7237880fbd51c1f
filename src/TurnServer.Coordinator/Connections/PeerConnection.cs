using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Client.Discovery;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// A connection to one peer: datagrams sent and received over whichever path works, the same object
/// while the path changes underneath (<see cref="PathChanged"/>) and while it fails over to the
/// relay and back. Only packets from addresses that passed a check signed with this session's
/// password are taken; anything else is dropped. It ends (<see cref="Completion"/>) when either side
/// closes it or when nothing has come from the peer for the consent timeout.
/// </summary>
public sealed partial class PeerConnection : IAsyncDisposable
{
    private static readonly TimeSpan RelayReleaseDelay = TimeSpan.FromSeconds(5);
    private readonly List<PacketBase> _bases;
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _authorized = new();
    private readonly Channel<byte[]> _received = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<ConnectionPath> _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ConnectionState> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _pathLock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EventQueue _events;
    private readonly CoordinatorMetrics? _metrics;
    private volatile SelectedPair? _selected;
    private volatile SelectedPair? _fallback;
    private volatile ConnectionState _state;
    private volatile string _endReason = "";
    private int _disposing;
    private Task? _releasing;

    internal PeerConnection(string peerId, string session, bool controlling, CoordinatorOptions options, List<PacketBase> bases, NatType? localNat, CoordinatorMetrics? metrics = null)
    {
        _localNat = localNat;
        PeerId = peerId;
        SessionId = session;
        _controlling = controlling;
        _options = options;
        _bases = bases;
        _time = options.Time;
        _metrics = metrics;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PeerConnection>();
        _events = new EventQueue(_logger);
        metrics?.Started();
        foreach (var packetBase in bases)
        {
            packetBase.Start(OnPacket);
            if (packetBase is UdpBase udp && options.RestartOnNetworkChange)
            {
                udp.NoNetwork += OnNoNetwork;
            }
        }
    }

    public string PeerId { get; }

    public string SessionId { get; }

    /// <summary>Whether the attempt got a TURN allocation to fall back on.</summary>
    internal bool HasRelay => _bases.Exists(b => b.Kind == CandidateKind.Relayed);

    /// <summary>The path packets are sent on now; null until connected.</summary>
    public ConnectionPath? Path => SendingPair?.Path;

    public ConnectionState State => _state;

    /// <summary>Completes with <see cref="ConnectionState.Failed"/> or <see cref="ConnectionState.Closed"/> when the connection ends.</summary>
    public Task<ConnectionState> Completion => _completion.Task;

    /// <summary>
    /// Raised when packets move to another path: to the relay when the direct path goes quiet, back
    /// when it answers again, or up from the relay to a direct path found later. Raised off the
    /// receive loops, one event at a time; a handler that throws is logged and changes nothing.
    /// </summary>
    public event EventHandler<PathChangedEventArgs>? PathChanged;

    /// <summary>Raised on every change of <see cref="State"/>, like <see cref="PathChanged"/> off the receive loops.</summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// The pair packets are sent on: the fallback while the selected pair is suspect, else the
    /// selected. Read without the lock, since every packet sent reads it: each field is one reference,
    /// and a read that races a change gets the pair before it or the pair after, both of which work.
    /// </summary>
    private SelectedPair? SendingPair => _fallback ?? _selected;

    /// <summary>
    /// Sends one datagram to the peer on the current path. Throws <see cref="PeerConnectionClosedException"/>
    /// once the connection has failed or been closed, so a sender learns that its packets go nowhere.
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        var sending = SendingPair ?? throw new InvalidOperationException("not connected yet");
        var packet = new byte[data.Length + 1];
        packet[0] = CheckMessages.DataMarker;
        data.CopyTo(packet.AsMemory(1));
        await sending.Base.SendAsync(sending.Remote, packet, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The next datagram from the peer, whichever path it came by; throws
    /// <see cref="PeerConnectionClosedException"/> once the connection has ended and what came before is read.
    /// </summary>
    public async ValueTask<byte[]> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new PeerConnectionClosedException(_state, _endReason);
        }
    }

    internal void OnPacket(PacketBase at, IPEndPoint from, ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return;
        }

        if (packet[0] == CheckMessages.DataMarker)
        {
            if (_authorized.ContainsKey((at, from)))
            {
                Heard(at, from);
                _received.Writer.TryWrite(packet[1..].ToArray());
            }

            return;
        }

        if (CheckMessages.IsRequest(packet))
        {
            OnCheck(at, from, packet);
        }
        else if (CheckMessages.IsResponse(packet, out var id) && _pending.TryGetValue(id, out var waiting) && ReferenceEquals(waiting.Base, at) && waiting.Remote.Equals(from))
        {
            // RFC 8445 section 7.2.5.2.1: an answer counts only from where the check went, to where it left from.
            _pending.TryRemove(id, out _);
            waiting.Answer.TrySetResult((packet.ToArray(), from));
        }
    }

    private void Select(PacketBase at, IPEndPoint remote)
    {
        var path = PathOf(at, remote);
        bool first;
        lock (_pathLock)
        {
            if (_state is ConnectionState.Failed or ConnectionState.Closed)
            {
                return;
            }

            var previous = _fallback ?? _selected;
            first = _selected is null;
            if (_selected is { } selected && ReferenceEquals(selected.Base, at) && selected.Remote.Equals(remote))
            {
                _fallback = null; // the pair in use all along, now agreed on again
            }
            else
            {
                _selected = _fallback is { } fallback && IsSame(fallback, at, remote) ? fallback : new SelectedPair(at, remote, path);
                _fallback = null;
            }

            Heard(at, remote); // it has just answered, or just been nominated by the peer
            RaisePathChangeLocked(previous, first ? "connected" : "nominated");
        }

        if (path.Kind == PathKind.Direct)
        {
            _releasing ??= ReleaseUnusedAsync();
        }

        if (first)
        {
            _established.TrySetResult(path);
            SetState(ConnectionState.Connected, $"connected {path}");
        }
    }

    /// <summary>Moves sending to another pair while the selected one is suspect; the peer's nomination (or the pair's return) ends it.</summary>
    private void FallBack(SelectedPair to, string why)
    {
        lock (_pathLock)
        {
            var previous = _fallback ?? _selected;
            if (previous is null || (ReferenceEquals(previous.Base, to.Base) && previous.Remote.Equals(to.Remote)))
            {
                return;
            }

            _fallback = ReferenceEquals(_selected?.Base, to.Base) && _selected!.Remote.Equals(to.Remote) ? null : to;
            RaisePathChangeLocked(previous, why);
        }
    }

    private void RaisePathChangeLocked(SelectedPair? previous, string why)
    {
        var current = _fallback ?? _selected;
        if (previous is null || current is null || IsSame(previous, current.Base, current.Remote))
        {
            return;
        }

        LogPathChanged(_logger, PeerId, previous.Path, current.Path, why);
        _metrics?.PathChanged(previous.Path.Kind, current.Path.Kind);
        var change = new PathChangedEventArgs(previous.Path, current.Path);
        _events.Post(() => PathChanged?.Invoke(this, change));
    }

    private void SetState(ConnectionState next, string reason)
    {
        ConnectionState previous;
        lock (_pathLock)
        {
            previous = _state;
            if (previous == next || previous is ConnectionState.Failed or ConnectionState.Closed)
            {
                return;
            }

            if (next is ConnectionState.Failed or ConnectionState.Closed)
            {
                _endReason = reason; // before the state, so whoever sees the end sees its reason
            }

            _state = next;
        }

        LogStateChanged(_logger, PeerId, previous, next, reason);
        _metrics?.StateChanged(previous, next);
        var change = new ConnectionStateChangedEventArgs(previous, next, reason);
        _events.Post(() => StateChanged?.Invoke(this, change));
        if (next is ConnectionState.Failed or ConnectionState.Closed)
        {
            _received.Writer.TryComplete();
            _established.TrySetException(new PeerConnectionClosedException(next, reason));
            _completion.TrySetResult(next);
            _ = Task.Run(() => DisposeAsync().AsTask(), CancellationToken.None); // its sockets and relay go now, not when the application gets round to it
        }
    }

    private void ThrowIfEnded()
    {
        if (_state is var state and (ConnectionState.Failed or ConnectionState.Closed))
        {
            throw new PeerConnectionClosedException(state, _endReason);
        }
    }

    /// <summary>
    /// Once a direct path carries the connection, port prediction's other sockets only cost
    /// descriptors and buffers, and (unless it is kept warm) the TURN allocation only costs the
    /// server a port and refreshes: they are released after a grace for packets still on the way.
    /// </summary>
    private async Task ReleaseUnusedAsync()
    {
        try
        {
            await Task.Delay(RelayReleaseDelay, _time, _closing.Token).ConfigureAwait(false);
            if (!_options.KeepRelayWarm)
            {
                var inUse = SendingPair?.Base;
                foreach (var relay in _bases.OfType<RelayBase>().Where(b => !ReferenceEquals(b, inUse)))
                {
                    _released.TryAdd(relay, 0);
                    await relay.DisposeAsync().ConfigureAwait(false);
                }
            }

            await CloseUnusedSprayAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closed first.
        }
    }

    /// <summary>Closes the connection: tells the peer (a signed close on every path that works) and releases everything; again is a no-op.</summary>
    public ValueTask CloseAsync() => DisposeAsync();

    /// <summary>As <see cref="CloseAsync"/>; safe to call any number of times, from any thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) == 1)
        {
            await _disposed.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            if (State is ConnectionState.Connected or ConnectionState.Disconnected)
            {
                await SendCloseAsync().ConfigureAwait(false);
            }

            SetState(ConnectionState.Closed, "closed by this side");
            await _closing.CancelAsync().ConfigureAwait(false);
            await (_releasing ?? Task.CompletedTask).ConfigureAwait(false);
            _established.TrySetCanceled();
            await (_checking ?? Task.CompletedTask).ConfigureAwait(false);
            await (_watching ?? Task.CompletedTask).ConfigureAwait(false);
            Task[] predicting;
            lock (_predicting)
            {
                predicting = [.. _predicting];
            }

            await Task.WhenAll(predicting).ConfigureAwait(false);
            await DisposeTcpAsync().ConfigureAwait(false);
            PacketBase[] spray;
            lock (_spray)
            {
                spray = [.. _spray];
                _spray.Clear();
            }

            foreach (var packetBase in _bases.Concat(spray))
            {
                await packetBase.DisposeAsync().ConfigureAwait(false);
            }

            _received.Writer.TryComplete();
            _ = _events.CompleteAsync(); // not awaited: a handler may be the one disposing
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }

    /// <summary>A pair of ours and the peer's that carries packets, with what it is.</summary>
    private sealed record SelectedPair(PacketBase Base, IPEndPoint Remote, ConnectionPath Path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: path {Previous} -> {Current} ({Why})")]
    private static partial void LogPathChanged(ILogger logger, string peer, ConnectionPath previous, ConnectionPath current, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: {Previous} -> {Current} ({Reason})")]
    private static partial void LogStateChanged(ILogger logger, string peer, ConnectionState previous, ConnectionState current, string reason);
}
