using System.Net;
using System.Net.Sockets;
using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Udp;

/// <summary>
/// A UDP socket as the receive loops and <see cref="DatagramSender"/> use it: the .NET socket, its
/// handle (held for the length of each native call, so a concurrent close cannot hand the descriptor
/// number to another socket mid-call) and the counters its failures go to.
/// </summary>
internal sealed class DatagramSocket(Socket socket, TransportCounters counters) : IDisposable
{
    public Socket Socket { get; } = socket;

    public SafeSocketHandle Handle { get; } = socket.SafeHandle;

    public AddressFamily Family { get; } = socket.AddressFamily;

    public TransportCounters Counters { get; } = counters;

    public IPEndPoint LocalEndPoint => (IPEndPoint)Socket.LocalEndPoint!;

    public void Dispose()
    {
        if (!EpollLoop.TryCloseOnLoopThread(this))
        {
            Socket.Dispose();
        }
    }
}
