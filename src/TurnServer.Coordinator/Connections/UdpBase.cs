using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Connections;

/// <summary>A UDP socket of the connection's own: its host candidates, its server-reflexive address, and direct paths.</summary>
internal sealed class UdpBase : PacketBase
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;
    private int _disposed;

    public UdpBase(IPAddress bindTo)
    {
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(bindTo, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>A send found no route at all (ENETUNREACH, ENETDOWN), with where it went.</summary>
    public event Action<UdpBase, IPEndPoint>? NoNetwork;

    public override CandidateKind Kind => CandidateKind.Host;

    public override ClientTransport Transport => ClientTransport.Udp;

    public override IPEndPoint LocalEndPoint { get; }

    public override ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken) =>
        SendIgnoringUnreachableAsync(to, packet, cancellationToken);

    public override void Start(PacketHandler handler) => _receiving = Task.Run(() => ReceiveLoop(handler));

    private async ValueTask SendIgnoringUnreachableAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendToAsync(packet, to, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.NetworkDown)
        {
            NoNetwork?.Invoke(this, to); // a dead address for a check, or no network at all: the connection tells which
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A candidate that cannot be reached from here (another family, say), or a socket
            // already released: its check fails.
        }
    }

    private async Task ReceiveLoop(PacketHandler handler)
    {
        var buffer = new byte[65536];
        var any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_closing.IsCancellationRequested)
        {
            try
            {
                var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _closing.Token).ConfigureAwait(false);
                handler(this, (IPEndPoint)received.RemoteEndPoint, buffer.AsSpan(0, received.ReceivedBytes));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // ICMP port unreachable for an earlier check: not this socket's failure.
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
        }
    }

    /// <summary>Closes the socket; again is a no-op (an unused port-prediction socket is closed early).</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
    }
}
