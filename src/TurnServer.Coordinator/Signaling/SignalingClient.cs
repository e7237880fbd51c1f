using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using TurnServer.Signaling.Messages;

namespace TurnServer.Coordinator.Signaling;

/// <summary>
/// A peer's WebSocket to the signaling service: requests that get one answer (register, join,
/// discover) are sent one at a time and matched to the next answer of their kind; signals from other
/// peers and room news are raised as events as they come.
/// </summary>
public sealed class SignalingClient : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _requests = new(1, 1);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Channel<SignalingMessage> _answers = Channel.CreateUnbounded<SignalingMessage>();
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;

    private SignalingClient()
    {
    }

    /// <summary>Another peer sent us data (an offer, an answer): its id and the data.</summary>
    public event Action<string, JsonElement>? SignalReceived;

    public event Action<PeerInfo>? PeerJoined;

    public event Action<string>? PeerLeft;

    /// <summary>The connection ended; the argument says why (the service's close text, or the error).</summary>
    public event Action<string>? Closed;

    public bool IsConnected => _socket.State == WebSocketState.Open;

    public static async Task<SignalingClient> ConnectAsync(Uri endpoint, string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var client = new SignalingClient();
        client._socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        var builder = new UriBuilder(endpoint) { Query = "token=" + Uri.EscapeDataString(token) };
        await client._socket.ConnectAsync(builder.Uri, cancellationToken).ConfigureAwait(false);
        client._receiving = Task.Run(client.ReceiveLoop, CancellationToken.None);
        return client;
    }

    public async Task RegisterAsync(object? metadata, CancellationToken cancellationToken = default) =>
        await RequestAsync(new SignalingMessage(MessageType.Register) { Metadata = metadata is null ? null : JsonSerializer.SerializeToElement(metadata) }, MessageType.Registered, cancellationToken).ConfigureAwait(false);

    /// <summary>Joins a room; the answer lists the peers already in it.</summary>
    public async Task<IReadOnlyList<PeerInfo>> JoinAsync(string room, CancellationToken cancellationToken = default) =>
        (await RequestAsync(new SignalingMessage(MessageType.Join) { Room = room }, MessageType.Joined, cancellationToken).ConfigureAwait(false)).Peers ?? [];

    /// <summary>The registered peers, or those of a room we are in.</summary>
    public async Task<IReadOnlyList<PeerInfo>> DiscoverAsync(string? room = null, CancellationToken cancellationToken = default) =>
        (await RequestAsync(new SignalingMessage(MessageType.Discover) { Room = room }, MessageType.Peers, cancellationToken).ConfigureAwait(false)).Peers ?? [];

    public Task SignalAsync(string to, JsonElement data, CancellationToken cancellationToken = default) =>
        SendAsync(new SignalingMessage(MessageType.Signal) { To = to, Data = data }, cancellationToken);

    private async Task<SignalingMessage> RequestAsync(SignalingMessage request, string answerType, CancellationToken cancellationToken)
    {
        await _requests.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendAsync(request, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AnswerTimeout);
            var answer = await _answers.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            if (answer.Type == MessageType.Error)
            {
                throw new SignalingException(answer.Code ?? "error", answer.Message ?? "the signaling service refused");
            }

            return answer.Type == answerType ? answer : throw new SignalingException(ErrorCode.BadMessage, $"expected {answerType}, got {answer.Type}");
        }
        finally
        {
            _requests.Release();
        }
    }

    private async Task SendAsync(SignalingMessage message, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(message.ToUtf8(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[64 * 1024];
        var why = "closed";
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer.AsMemory(length), _closing.Token).ConfigureAwait(false);
                    length += received.Count;
                }
                while (!received.EndOfMessage && length < buffer.Length);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    why = _socket.CloseStatusDescription ?? why;
                    break;
                }

                if (SignalingMessage.Parse(buffer.AsSpan(0, length)) is { } message)
                {
                    Dispatch(message);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            why = e.Message;
        }

        _answers.Writer.TryComplete(new SignalingException("closed", $"signaling closed: {why}"));
        Closed?.Invoke(why);
    }

    private void Dispatch(SignalingMessage message)
    {
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
            case MessageType.Error when message.Code == ErrorCode.UnknownPeer:
                // A signal to a peer that has gone: the connection attempt times out on its own.
                break;
            case MessageType.Pong:
                break;
            default:
                _answers.Writer.TryWrite(message);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Gone already.
            }
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(false);
        _socket.Dispose();
        _closing.Dispose();
        _requests.Dispose();
        _sending.Dispose();
    }
}
