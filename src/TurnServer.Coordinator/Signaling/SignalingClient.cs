using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using TurnServer.Signaling.Messages;

namespace TurnServer.Coordinator.Signaling;

/// <summary>
/// A peer's WebSocket to the signaling service. Requests (register, join, discover) carry an id
/// that the service echoes, so an answer is matched to its own request, however late it comes;
/// signals from other peers and room news are raised as events. When the connection drops, the
/// client connects again by itself with backoff (asking for a fresh token if it was given a way
/// to), registers again with the same metadata and joins the same rooms.
/// </summary>
public sealed class SignalingClient : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestReconnectDelay = TimeSpan.FromSeconds(5);
    private readonly Uri _endpoint;
    private readonly Func<CancellationToken, Task<string>> _token;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SignalingMessage>> _waiting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private ClientWebSocket _socket = new();
    private Task _running = Task.CompletedTask;
    private JsonElement? _metadata;
    private bool _registered;
    private long _nextId;
    private volatile bool _stopping;

    private SignalingClient(Uri endpoint, Func<CancellationToken, Task<string>> token)
    {
        _endpoint = endpoint;
        _token = token;
    }

    /// <summary>Another peer sent us data (an offer, an answer): its id and the data.</summary>
    public event Action<string, JsonElement>? SignalReceived;

    public event Action<PeerInfo>? PeerJoined;

    public event Action<string>? PeerLeft;

    /// <summary>A signal of ours could not be delivered: the service knows no such peer.</summary>
    public event Action<string>? PeerUnreachable;

    /// <summary>The connection dropped (the argument says why); the client is connecting again.</summary>
    public event Action<string>? Disconnected;

    /// <summary>The client is connected and registered again after a drop.</summary>
    public event Action? Reconnected;

    public bool IsConnected => _socket.State == WebSocketState.Open;

    public static Task<SignalingClient> ConnectAsync(Uri endpoint, string token, CancellationToken cancellationToken = default) =>
        ConnectAsync(endpoint, _ => Task.FromResult(token), cancellationToken);

    /// <summary>Connects with a token from <paramref name="token"/>, which is asked again on every reconnection (tokens expire).</summary>
    public static async Task<SignalingClient> ConnectAsync(Uri endpoint, Func<CancellationToken, Task<string>> token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(token);
        var client = new SignalingClient(endpoint, token);
        await client.OpenAsync(cancellationToken).ConfigureAwait(false);
        client._running = Task.Run(client.RunAsync, CancellationToken.None);
        return client;
    }

    public async Task RegisterAsync(object? metadata, CancellationToken cancellationToken = default)
    {
        var element = metadata is null ? (JsonElement?)null : JsonSerializer.SerializeToElement(metadata);
        await RequestAsync(new SignalingMessage(MessageType.Register) { Metadata = element }, MessageType.Registered, cancellationToken).ConfigureAwait(false);
        _metadata = element;
        _registered = true;
    }

    /// <summary>Joins a room; the answer lists the peers already in it.</summary>
    public async Task<IReadOnlyList<PeerInfo>> JoinAsync(string room, CancellationToken cancellationToken = default)
    {
        var peers = (await RequestAsync(new SignalingMessage(MessageType.Join) { Room = room }, MessageType.Joined, cancellationToken).ConfigureAwait(false)).Peers ?? [];
        lock (_rooms)
        {
            _rooms.Add(room);
        }

        return peers;
    }

    /// <summary>The registered peers, or those of a room we are in.</summary>
    public async Task<IReadOnlyList<PeerInfo>> DiscoverAsync(string? room = null, CancellationToken cancellationToken = default) =>
        (await RequestAsync(new SignalingMessage(MessageType.Discover) { Room = room }, MessageType.Peers, cancellationToken).ConfigureAwait(false)).Peers ?? [];

    public Task SignalAsync(string to, JsonElement data, CancellationToken cancellationToken = default) =>
        SendAsync(new SignalingMessage(MessageType.Signal) { To = to, Data = data }, cancellationToken);

    private async Task<SignalingMessage> RequestAsync(SignalingMessage request, string answerType, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<SignalingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        try
        {
            await SendAsync(request with { Id = id }, cancellationToken).ConfigureAwait(false);
            SignalingMessage reply;
            try
            {
                reply = await answer.Task.WaitAsync(AnswerTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new SignalingException("timeout", $"no answer to {request.Type} within {AnswerTimeout.TotalSeconds:0} s");
            }

            if (reply.Type == MessageType.Error)
            {
                throw new SignalingException(reply.Code ?? "error", reply.Message ?? "the signaling service refused");
            }

            return reply.Type == answerType ? reply : throw new SignalingException(ErrorCode.BadMessage, $"expected {answerType}, got {reply.Type}");
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    private async Task SendAsync(SignalingMessage message, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(message.ToUtf8(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException or ObjectDisposedException)
        {
            throw new SignalingException("closed", $"signaling is not connected: {e.Message}");
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Drops the connection and connects again (with the usual backoff): our address changed, so it may be dead without knowing.</summary>
    public void Reconnect()
    {
        var socket = Volatile.Read(ref _socket);
        if (!_stopping && socket.State == WebSocketState.Open)
        {
            socket.Abort();
        }
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(10); // pings that must be answered: a connection that died silently is found within 25 s
        try
        {
            var token = await _token(cancellationToken).ConfigureAwait(false);
            var builder = new UriBuilder(_endpoint) { Query = "token=" + Uri.EscapeDataString(token) };
            await socket.ConnectAsync(builder.Uri, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var previous = _socket;
        _socket = socket;
        previous.Dispose();
    }

    /// <summary>Receives until the connection drops, then connects again with backoff, for as long as the client lives.</summary>
    private async Task RunAsync()
    {
        var receiving = StartReceiving();
        while (true)
        {
            var why = await receiving.ConfigureAwait(false);
            FailWaiting(why);
            if (_stopping)
            {
                return;
            }

            Disconnected?.Invoke(why);
            if (await ReconnectAsync().ConfigureAwait(false) is not { } again)
            {
                return;
            }

            receiving = again;
            Reconnected?.Invoke();
        }
    }

    /// <summary>A new connection, registered and in its rooms again; its receive loop, or null once the client is disposed.</summary>
    private async Task<Task<string>?> ReconnectAsync()
    {
        var delay = FirstReconnectDelay;
        while (!_stopping)
        {
            Task<string>? receiving = null;
            try
            {
                await Task.Delay(delay * (0.8 + (0.4 * Random.Shared.NextDouble())), _closing.Token).ConfigureAwait(false); // jittered: a restarted service is not hit by every peer at once
                delay = delay * 2 < LongestReconnectDelay ? delay * 2 : LongestReconnectDelay;
                await OpenAsync(_closing.Token).ConfigureAwait(false);
                receiving = StartReceiving(); // the answers to registering come through it
                if (_registered)
                {
                    await RequestAsync(new SignalingMessage(MessageType.Register) { Metadata = _metadata }, MessageType.Registered, _closing.Token).ConfigureAwait(false);
                    string[] rooms;
                    lock (_rooms)
                    {
                        rooms = [.. _rooms];
                    }

                    foreach (var room in rooms)
                    {
                        await RequestAsync(new SignalingMessage(MessageType.Join) { Room = room }, MessageType.Joined, _closing.Token).ConfigureAwait(false);
                    }
                }

                return receiving;
            }
            catch (Exception e) when (e is WebSocketException or SignalingException or HttpRequestException or IOException or InvalidOperationException)
            {
                _socket.Abort();
                if (receiving is not null)
                {
                    await receiving.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    private Task<string> StartReceiving()
    {
        var socket = _socket;
        return Task.Run(() => ReceiveUntilClosedAsync(socket));
    }

    private async Task<string> ReceiveUntilClosedAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(length), _closing.Token).ConfigureAwait(false);
                    length += received.Count;
                }
                while (!received.EndOfMessage && length < buffer.Length);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return socket.CloseStatusDescription ?? "closed";
                }

                if (SignalingMessage.Parse(buffer.AsSpan(0, length)) is { } message)
                {
                    Dispatch(message);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return e.Message;
        }
    }

    private void FailWaiting(string why)
    {
        foreach (var waiting in _waiting.Values)
        {
            waiting.TrySetException(new SignalingException("closed", $"signaling closed: {why}"));
        }
    }

    private void Dispatch(SignalingMessage message)
    {
        if (message.Id is { } id && _waiting.TryGetValue(id, out var waiting))
        {
            waiting.TrySetResult(message);
            return;
        }

        switch (message.Type)
        {
            case MessageType.Signal when message.From is not null && message.Data is { } data:
                SignalReceived?.Invoke(message.From, data);
                break;
            case MessageType.PeerJoined when message.Peer is not null:
                PeerJoined?.Invoke(new PeerInfo(message.Peer, message.Metadata));
                break;
            case MessageType.PeerLeft when message.Peer is not null:
                PeerLeft?.Invoke(message.Peer);
                break;
            case MessageType.Error when message.Code == ErrorCode.UnknownPeer && message.To is not null:
                PeerUnreachable?.Invoke(message.To);
                break;
            default:
                break; // a pong, or a late answer to a request that gave up: nothing waits for it
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone already.
            }
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        _socket.Dispose();
        _closing.Dispose();
        _sending.Dispose();
    }
}
