using System.Net;
using System.Net.Sockets;

namespace TurnServer.LoadTool;

/// <summary>The peer every client sends to: one UDP socket that returns each datagram to its sender, on a thread of its own.</summary>
internal sealed class EchoPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly Thread _thread;
    private long _echoed;

    public EchoPeer(IPAddress address)
    {
        _socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 };
        _socket.Bind(new IPEndPoint(address, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _thread = new Thread(Echo) { IsBackground = true, Name = "echo peer" };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    public long Echoed => Interlocked.Read(ref _echoed);

    private void Echo()
    {
        var buffer = new byte[65536];
        var from = new SocketAddress(_socket.AddressFamily);
        while (true)
        {
            try
            {
                var received = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
                _socket.SendTo(buffer.AsSpan(0, received), SocketFlags.None, from);
                Interlocked.Increment(ref _echoed);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.NoBufferSpaceAvailable)
            {
                // A relay port that closed, or a full queue: that datagram is lost.
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
