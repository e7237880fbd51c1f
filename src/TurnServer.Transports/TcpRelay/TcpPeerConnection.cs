using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.TcpRelay;

/// <summary>A TCP connection with a peer on a TCP allocation's relayed address.</summary>
internal sealed class TcpPeerConnection(Socket socket) : IPeerConnection
{
    private int _closed;

    public Socket Socket { get; } = socket;

    public TransportAddress Peer { get; } = TransportAddress.FromIPEndPoint((IPEndPoint)socket.RemoteEndPoint!);

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Socket.Dispose();
        }
    }
}
