using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using TurnServer.Client.Connections;
using TurnServer.Client.Stun;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Turn;

/// <summary>
/// A relay on a TURN server (RFC 8656), used like a UDP socket: <see cref="SendToAsync"/> a peer and
/// <see cref="ReceiveFromAsync"/> what peers send back. Permissions are created on first use, a
/// channel is bound in the background and used once bound (Send indications until then), and the
/// allocation, permissions and channels in use are refreshed before they expire.
/// <see cref="DisposeAsync"/> releases the allocation.
/// </summary>
public sealed partial class TurnClient : IAsyncDisposable
{
    private static readonly TimeSpan PermissionLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ChannelLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(1);

    private readonly TurnClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<(TransportAddress Peer, byte[] Data)> _received;
    private readonly ConcurrentDictionary<TransportAddress, PermissionState> _permissions = new();
    private readonly ConcurrentDictionary<TransportAddress, ChannelState> _channelsByPeer = new();
    private readonly ConcurrentDictionary<ushort, TransportAddress> _peersByChannel = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _credentialsLock = new();
    private volatile ClientSession _session = null!;
    private Task? _maintenance;
    private string? _realm;
    private string? _nonce;
    private byte[] _key = [];
    private DateTimeOffset _expiresAt;
    private DateTimeOffset _refreshedAt;
    private const int ChannelNumberSpan = 0x1000;
    private int _nextChannel;
    private Exception? _failure;

    private TurnClient(TurnClientOptions options)
    {
        _options = options;
        _time = options.Time;
        _received = Channel.CreateBounded<(TransportAddress, byte[])>(new BoundedChannelOptions(options.ReceiveQueueLength) { FullMode = BoundedChannelFullMode.DropOldest });
    }

    /// <summary>The address peers send to, on the server.</summary>
    public IPEndPoint RelayedEndPoint { get; private set; } = null!;

    /// <summary>This client's address as the server saw it (server-reflexive).</summary>
    public IPEndPoint MappedEndPoint { get; private set; } = null!;

    public IPEndPoint LocalEndPoint => _session.Connection.LocalEndPoint;

    /// <summary>When the allocation expires unless refreshed (it is, automatically).</summary>
    public DateTimeOffset ExpiresAt => _expiresAt;

    /// <summary>Connects to the server and allocates a relay; <see cref="TurnException"/> when the server refuses.</summary>
    public static async Task<TurnClient> AllocateAsync(TurnClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new TurnClient(options);
        try
        {
            await client.ConnectAndAllocateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (client._session is { } session)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        client._maintenance = Task.Run(client.MaintainAsync, CancellationToken.None);
        return client;
    }

    /// <summary>
    /// Opens a new connection (over UDP, a new local port) in place of the current one and allocates
    /// on it. A 437 to an Allocate means the server still holds an allocation on this five-tuple, a
    /// vanished client's whose port this one was given: RFC 8656 section 7.4 suggests another port.
    /// </summary>
    private async Task ConnectAndAllocateAsync(CancellationToken cancellationToken)
    {
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var replaced = _session;
            var connection = await ServerConnection.OpenAsync(_options.Server, _options.Transport, _options.Tls, cancellationToken).ConfigureAwait(false);
            var session = new ClientSession(connection, _options.Retransmission, OnUnsolicited);
            Volatile.Write(ref _allocationLost, 0);
            _session = session;
            Watch(session);

            // Closed only now, so the new socket cannot be given the old one's port.
            if (replaced is not null)
            {
                await replaced.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                await AllocateAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TurnException e) when (MeansAllocationLost(e) && attempt < Attempts)
            {
                // Another port, at once.
            }
        }
    }

    /// <summary>
    /// Sends a datagram to a peer through the relay: ChannelData once a channel is bound, a Send
    /// indication before. While a lost allocation is being made again the datagram is dropped.
    /// </summary>
    public async ValueTask SendToAsync(IPEndPoint peer, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ThrowIfFailed();
        if (_reallocating)
        {
            return;
        }

        try
        {
            await SendThroughRelayAsync(TransportAddress.FromIPEndPoint(peer), data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (_options.Reallocate && IsRequestFailure(e) && (MeansAllocationLost(e) || IsLost || _reallocating))
        {
            // The allocation went while this datagram was on its way; the maintenance loop makes it
            // again, unless it is doing so already.
            if (!_reallocating)
            {
                MarkLost();
            }
        }
    }

    private async ValueTask SendThroughRelayAsync(TransportAddress address, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var session = _session;
        var now = _time.GetUtcNow();
        if (_channelsByPeer.TryGetValue(address, out var channel) && channel.Bound && now < channel.ExpiresAt)
        {
            channel.LastUsed = now;
            if (_permissions.TryGetValue(address.WithPort(0), out var permission))
            {
                permission.LastUsed = now;
            }

            var frame = new byte[session.Connection.IsStream ? ChannelDataMessage.GetStreamLength(data.Length) : ChannelDataMessage.HeaderLength + data.Length];
            ChannelDataMessage.Write(frame, channel.Number, data.Span, session.Connection.IsStream);
            await session.SendAsync(frame, cancellationToken).ConfigureAwait(false);
            return;
        }

        await CreatePermissionAsync(address.ToIPEndPoint().Address, cancellationToken).ConfigureAwait(false);
        var bound = ChannelFor(address);
        bound.LastUsed = now;
        bound.EnsureBinding(() => BindChannelInBackground(address, bound));
        var indication = Build(StunMethod.Send, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, address);
            w.WriteAttribute(StunAttributeType.Data, data.Span);
        }, signed: false);
        await _session.SendAsync(indication, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the next datagram a peer sent to the relay and copies it into <paramref name="buffer"/> (truncated if larger).</summary>
    public async ValueTask<TurnReceiveResult> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        (TransportAddress Peer, byte[] Data) item;
        try
        {
            item = await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ThrowIfFailed();
            throw new TurnException("the connection to the TURN server is closed");
        }

        var (peer, data) = item;
        var length = Math.Min(buffer.Length, data.Length);
        data.AsSpan(0, length).CopyTo(buffer.Span);
        return new TurnReceiveResult(length, peer.ToIPEndPoint());
    }

    /// <summary>Lets a peer's IP send to the relay (RFC 8656 section 9); done by <see cref="SendToAsync"/> on first use.</summary>
    public async Task CreatePermissionAsync(IPAddress peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var key = TransportAddress.FromIPAddress(peer, 0);
        var state = _permissions.GetOrAdd(key, _ => new PermissionState());
        state.LastUsed = _time.GetUtcNow();
        Task pending;
        lock (state)
        {
            // Installed again once it has failed or lapsed (it is refreshed only while in use).
            if (state.Installing is null || (state.Installing.IsCompleted && (!state.Installing.IsCompletedSuccessfully || _time.GetUtcNow() >= state.ExpiresAt)))
            {
                state.Installing = InstallPermissionAsync(key, state, cancellationToken);
            }

            pending = state.Installing;
        }

        await pending.ConfigureAwait(false);
    }

    /// <summary>Binds a channel to a peer now and waits for it (<see cref="SendToAsync"/> does this in the background).</summary>
    public async Task<ushort> BindChannelAsync(IPEndPoint peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var address = TransportAddress.FromIPEndPoint(peer);
        await CreatePermissionAsync(peer.Address, cancellationToken).ConfigureAwait(false);
        var state = ChannelFor(address);
        state.LastUsed = _time.GetUtcNow();
        await ChannelBindAsync(address, state, cancellationToken).ConfigureAwait(false);
        return state.Number;
    }

    /// <summary>Releases the allocation (a Refresh with lifetime 0) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_maintenance is not null)
        {
            await _maintenance.ConfigureAwait(false);
        }

        if (_failure is null)
        {
            using var release = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0), release.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRequestFailure(e) || e is OperationCanceledException)
            {
                // The server forgets the allocation when it expires anyway.
            }
        }

        await _session.DisposeAsync().ConfigureAwait(false);
        _received.Writer.TryComplete();
        _stopping.Dispose();
    }

    /// <summary>
    /// The channel for a peer, with a number of its own: taken in turn from 0x4000-0x4FFF, skipping
    /// numbers in use, so numbers freed by failed binds come round again.
    /// </summary>
    private ChannelState ChannelFor(TransportAddress peer)
    {
        if (_channelsByPeer.TryGetValue(peer, out var existing))
        {
            return existing;
        }

        lock (_channelsByPeer)
        {
            if (_channelsByPeer.TryGetValue(peer, out existing))
            {
                return existing;
            }

            for (var tries = 0; tries < ChannelNumberSpan; tries++)
            {
                var number = (ushort)(ChannelNumbers.Min + (_nextChannel++ % ChannelNumberSpan));
                if (_peersByChannel.TryAdd(number, peer))
                {
                    var state = new ChannelState(number);
                    _channelsByPeer[peer] = state;
                    return state;
                }
            }

            throw new TurnException("every channel number is in use");
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new TurnException("the allocation is lost: " + failure.Message, failure);
        }
    }

    private sealed class PermissionState
    {
        public DateTimeOffset ExpiresAt { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public Task? Installing { get; set; }
    }

    private sealed class ChannelState(ushort number)
    {
        private Task? _binding;

        public ushort Number { get; } = number;

        /// <summary>Starts a bind unless one is under way; also after the channel lapsed, keeping its number.</summary>
        public void EnsureBinding(Func<Task> bind)
        {
            lock (this)
            {
                if (_binding is null || _binding.IsCompleted)
                {
                    _binding = bind();
                }
            }
        }

        public bool Bound { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }

        public DateTimeOffset LastUsed { get; set; }
    }
}
