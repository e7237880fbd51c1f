using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Stun;

/// <summary>
/// One unconnected UDP socket for Binding requests to any server, with answers matched by
/// transaction id whoever sends them: NAT behaviour discovery needs answers from addresses other
/// than the one asked, and several requests from the same local port.
/// </summary>
public sealed class UdpStunSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly RetransmissionPolicy _retransmission;
    private readonly ConcurrentDictionary<TransactionId, TaskCompletionSource<(byte[] Message, IPEndPoint From)>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;

    public UdpStunSocket(IPEndPoint? localEndPoint = null, RetransmissionPolicy? retransmission = null)
    {
        localEndPoint ??= new IPEndPoint(IPAddress.Any, 0);
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(localEndPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _retransmission = retransmission ?? RetransmissionPolicy.Default;
        _receiving = Task.Run(ReceiveLoop);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>A Binding request to a server, retransmitted as RFC 8489 says; null when no success answer comes.</summary>
    public async Task<BindingAnswer?> BindingAsync(IPEndPoint server, ChangeRequest change = ChangeRequest.None, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var id = TransactionId.NewRandom();
        var answer = await ExchangeAsync(id, BindingRequest.Create(id, change), server, cancellationToken).ConfigureAwait(false);
        return answer is var (response, from, roundTrip) ? BindingAnswer.Read(response, from, roundTrip) : null;
    }

    /// <summary>
    /// Whether a Binding request sent from another local socket to <paramref name="mapped"/> (this
    /// socket's public address) comes back in to this one: the NAT hairpins (RFC 5780 section 4.5).
    /// </summary>
    public async Task<bool> HairpinsAsync(IPEndPoint mapped, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mapped);
        var id = TransactionId.NewRandom();
        var arrived = new TaskCompletionSource<(byte[], IPEndPoint)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = arrived;
        try
        {
            using var other = new Socket(mapped.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await other.SendToAsync(BindingRequest.Create(id), mapped, cancellationToken).ConfigureAwait(false);
            await arrived.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task<(byte[] Response, IPEndPoint From, TimeSpan RoundTrip)?> ExchangeAsync(TransactionId id, byte[] request, IPEndPoint server, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<(byte[] Message, IPEndPoint From)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var started = Stopwatch.GetTimestamp();
        try
        {
            foreach (var wait in _retransmission.Waits())
            {
                await _socket.SendToAsync(request, server, cancellationToken).ConfigureAwait(false);
                try
                {
                    var (message, from) = await answer.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
                    return (message, from, Stopwatch.GetElapsedTime(started));
                }
                catch (TimeoutException)
                {
                    // Send again.
                }
            }

            return null;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        while (!_closing.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), _closing.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue; // ICMP for an earlier datagram.
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            if (received.ReceivedBytes >= StunConstants.HeaderLength
                && _pending.TryGetValue(TransactionId.Read(buffer.AsSpan(8, TransactionId.Length)), out var waiting))
            {
                waiting.TrySetResult((buffer[..received.ReceivedBytes], (IPEndPoint)received.RemoteEndPoint));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
    }
}
