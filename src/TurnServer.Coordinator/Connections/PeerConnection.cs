using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using TurnServer.Client.Discovery;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// A connection to one peer: datagrams sent and received over whichever path works, the same object
/// while the path changes underneath (<see cref="PathChanged"/>). Only packets from addresses that
/// passed a check signed with this session's password are taken; anything else is dropped.
/// </summary>
public sealed partial class PeerConnection : IAsyncDisposable
{
    private readonly List<PacketBase> _bases;
    private readonly ConcurrentDictionary<(PacketBase, IPEndPoint), byte> _authorized = new();
    private readonly Channel<byte[]> _received = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<ConnectionPath> _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan RelayReleaseDelay = TimeSpan.FromSeconds(5);
    private (PacketBase Base, IPEndPoint Remote, ConnectionPath Path)? _selected;
    private Task? _releasing;

    internal PeerConnection(string peerId, string session, bool controlling, CoordinatorOptions options, List<PacketBase> bases, NatType? localNat)
    {
        _localNat = localNat;
        PeerId = peerId;
        SessionId = session;
        _controlling = controlling;
        _options = options;
        _bases = bases;
        (_localUfrag, _localPassword) = SessionDescription.NewCredentials();
        foreach (var packetBase in bases)
        {
            packetBase.Start(OnPacket);
        }
    }

    public string PeerId { get; }

    public string SessionId { get; }

    /// <summary>Whether the attempt got a TURN allocation to fall back on.</summary>
    internal bool HasRelay => _bases.Exists(b => b.Kind == CandidateKind.Relayed);

    /// <summary>The path in use; null until connected.</summary>
    public ConnectionPath? Path => _selected?.Path;

    /// <summary>Raised on the path's change, say when a direct path starts working under a relayed connection.</summary>
    public event EventHandler<PathChangedEventArgs>? PathChanged;

    /// <summary>Sends one datagram to the peer on the current path.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var selected = _selected ?? throw new InvalidOperationException("not connected yet");
        var packet = new byte[data.Length + 1];
        packet[0] = CheckMessages.DataMarker;
        data.CopyTo(packet.AsMemory(1));
        await selected.Base.SendAsync(selected.Remote, packet, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next datagram from the peer, whichever path it came by.</summary>
    public ValueTask<byte[]> ReceiveAsync(CancellationToken cancellationToken = default) => _received.Reader.ReadAsync(cancellationToken);

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
                _received.Writer.TryWrite(packet[1..].ToArray());
            }

            return;
        }

        if (CheckMessages.IsRequest(packet))
        {
            OnCheck(at, from, packet);
        }
        else if (CheckMessages.IsResponse(packet, out var id) && _pending.TryRemove(id, out var waiting))
        {
            waiting.TrySetResult((packet.ToArray(), from));
        }
    }

    private void Select(PacketBase at, IPEndPoint remote)
    {
        var path = PathOf(at, remote);
        var previous = _selected?.Path;
        if (previous is not null && previous.Local.Equals(path.Local) && previous.Remote.Equals(path.Remote))
        {
            return;
        }

        _selected = (at, remote, path);
        if (path.Kind == PathKind.Direct)
        {
            _releasing ??= ReleaseUnusedAsync();
        }

        if (previous is null)
        {
            _established.TrySetResult(path);
        }
        else
        {
            PathChanged?.Invoke(this, new PathChangedEventArgs(previous, path));
        }
    }

    /// <summary>
    /// Once a direct path carries the connection, its TURN allocation only costs the server a port
    /// and refreshes, and port prediction's other sockets only cost descriptors and buffers: they are
    /// released after a grace for packets still on the way.
    /// </summary>
    private async Task ReleaseUnusedAsync()
    {
        try
        {
            await Task.Delay(RelayReleaseDelay, _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var inUse = _selected?.Base;
        PacketBase[] spray;
        lock (_spray)
        {
            spray = [.. _spray];
        }

        foreach (var unused in _bases.OfType<RelayBase>().Concat<PacketBase>(spray).Where(b => !ReferenceEquals(b, inUse)))
        {
            await unused.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        await (_releasing ?? Task.CompletedTask).ConfigureAwait(false);
        _established.TrySetCanceled();
        if (_checking is not null)
        {
            await _checking.ConfigureAwait(false);
        }

        await Task.WhenAll(_predicting).ConfigureAwait(false);
        await DisposeTcpAsync().ConfigureAwait(false);
        foreach (var packetBase in _bases.Concat(_spray))
        {
            await packetBase.DisposeAsync().ConfigureAwait(false);
        }

        _received.Writer.TryComplete();
        _closing.Dispose();
    }
}
