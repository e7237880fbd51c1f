using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using TurnServer.Signaling.Hub;
using TurnServer.Signaling.Messages;

namespace TurnServer.Host.Signaling;

/// <summary>
/// One peer's WebSocket to the signaling hub: a read loop that hands whole text messages to the hub
/// (closing on one past the size limit), and a write loop draining a bounded queue, so the hub never
/// waits on a slow peer and a peer that stops reading is closed rather than buffered without end.
/// </summary>
internal sealed class WebSocketPeer(WebSocket socket, string peerId, SignalingHub hub) : ISignalingConnection, IDisposable
{
    private readonly Channel<SignalingMessage> _outgoing = Channel.CreateBounded<SignalingMessage>(
        new BoundedChannelOptions(hub.Limits.SendQueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _closing = new();
    private SignalingClose? _closeReason;

    public string PeerId { get; } = peerId;

    public bool TrySend(SignalingMessage message)
    {
        if (_outgoing.Writer.TryWrite(message))
        {
            return true;
        }

        Close(SignalingClose.TooSlow);
        return false;
    }

    public void Close(SignalingClose reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is null)
        {
            _outgoing.Writer.TryComplete();
        }
    }

    /// <summary>Serves the peer until either side closes, then takes it out of the hub.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closing.Token);
        hub.Connect(this);
        var writing = WriteAsync(linked.Token);
        try
        {
            await ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer vanished or the service stops; either way the peer leaves the hub below.
        }
        finally
        {
            hub.Disconnect(this);
            Close(stopping.IsCancellationRequested ? SignalingClose.ShuttingDown : new SignalingClose(1000, "closed"));
            await writing.ConfigureAwait(false);
        }
    }

    public void Dispose() => _closing.Dispose();

    private async Task ReadAsync(CancellationToken cancellation)
    {
        var limit = hub.Limits.MaxMessageBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            while (_closeReason is null)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    if (length > limit)
                    {
                        Close(SignalingClose.TooLarge);
                        return;
                    }

                    received = await socket.ReceiveAsync(buffer.AsMemory(length, limit + 1 - length), cancellation).ConfigureAwait(false);
                    length += received.Count;
                }
                while (!received.EndOfMessage);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (length > limit)
                {
                    Close(SignalingClose.TooLarge);
                    return;
                }

                hub.Receive(this, buffer.AsSpan(0, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends what the hub queued; once closed, sends what is left and the close frame.</summary>
    private async Task WriteAsync(CancellationToken cancellation)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                await socket.SendAsync(message.ToUtf8(), WebSocketMessageType.Text, endOfMessage: true, cancellation).ConfigureAwait(false);
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                var reason = _closeReason ?? SignalingClose.ShuttingDown;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync((WebSocketCloseStatus)reason.Status, reason.Reason, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Nothing more can reach this peer.
        }
        finally
        {
            // Time for the peer's close frame; aborting at once would reset the connection before it
            // has read ours (and why it was closed).
            _closing.CancelAfter(CloseGrace);
        }
    }
}
