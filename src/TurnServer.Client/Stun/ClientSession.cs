using System.Collections.Concurrent;
using TurnServer.Client.Connections;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Stun;

/// <summary>
/// Requests and their answers on one connection: a receive loop matches responses to requests by
/// transaction id, retransmits over UDP as RFC 8489 says, and hands everything else (indications,
/// ChannelData) to the owner.
/// </summary>
internal sealed class ClientSession : IAsyncDisposable
{
    private readonly ConcurrentDictionary<TransactionId, TaskCompletionSource<byte[]>> _pending = new();
    private readonly Action<ReadOnlyMemory<byte>> _unsolicited;
    private readonly RetransmissionPolicy _retransmission;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;

    public ClientSession(ServerConnection connection, RetransmissionPolicy retransmission, Action<ReadOnlyMemory<byte>> unsolicited)
    {
        Connection = connection;
        _retransmission = retransmission;
        _unsolicited = unsolicited;
        _receiving = Task.Run(ReceiveLoop);
    }

    public ServerConnection Connection { get; }

    /// <summary>Completes when the server closes the connection or the session is disposed.</summary>
    public Task Closed => _receiving;

    /// <summary>Sends a request and returns the response with its transaction id; <see cref="TimeoutException"/> when none comes.</summary>
    public async Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken)
    {
        var id = TransactionId.Read(request.AsSpan(8, TransactionId.Length));
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            var waits = Connection.IsStream ? [RetransmissionPolicy.StreamTimeout] : _retransmission.Waits();
            foreach (var wait in waits)
            {
                await Connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await answer.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Lost on the way there or back: send again.
                }
            }

            throw new TimeoutException($"no answer from {Connection.RemoteEndPoint} to a {StunMessageTypeOf(request)} request");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => Connection.SendAsync(message, cancellationToken);

    private async Task ReceiveLoop()
    {
        try
        {
            while (true)
            {
                var message = await Connection.ReceiveAsync(_closing.Token).ConfigureAwait(false);
                if (message.IsEmpty)
                {
                    break;
                }

                if (IsResponse(message.Span, out var id))
                {
                    if (_pending.TryGetValue(id, out var answer))
                    {
                        answer.TrySetResult(message.ToArray());
                    }
                }
                else
                {
                    _unsolicited(message);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            // The connection is gone; whoever waits learns it below.
        }

        foreach (var answer in _pending.Values)
        {
            answer.TrySetException(new IOException($"the connection to {Connection.RemoteEndPoint} closed"));
        }
    }

    private static bool IsResponse(ReadOnlySpan<byte> message, out TransactionId id)
    {
        id = default;
        if (message.Length < StunConstants.HeaderLength || message[0] >> 6 != 0)
        {
            return false;
        }

        var type = StunMessageType.Decode((ushort)((message[0] << 8) | message[1]));
        if (type.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse))
        {
            return false;
        }

        id = TransactionId.Read(message.Slice(8, TransactionId.Length));
        return true;
    }

    private static string StunMessageTypeOf(byte[] request) => StunMessageType.Decode((ushort)((request[0] << 8) | request[1])).Method.ToString();

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
    }
}
