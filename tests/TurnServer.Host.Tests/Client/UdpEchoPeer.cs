using System.Net;
using System.Net.Sockets;

namespace TurnServer.Host.Tests.Client;

/// <summary>A peer on loopback that sends every datagram back where it came from.</summary>
internal sealed class UdpEchoPeer : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public UdpEchoPeer()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(EchoAsync);
    }

    public IPEndPoint EndPoint { get; }

    private async Task EchoAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stopping.Token);
                await _socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, _stopping.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stopping.Dispose();
    }
}
