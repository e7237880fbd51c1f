using System.Net;
using System.Net.Sockets;

namespace TurnServer.Transports;

/// <summary>
/// Sockets for the listeners. An IPv6 listener serves IPv6 only: IPv4 clients reach the IPv4
/// listener, so each client has one five-tuple and addresses never arrive in IPv4-mapped form.
/// </summary>
internal static class ListeningSockets
{
    /// <summary>
    /// Every client of an address shares its one UDP socket, so the queue must absorb their bursts
    /// (2,000 clients sending at once overflowed the default 208 KiB, each small datagram taking about
    /// 1 KiB of it). The kernel caps the size at net.core.rmem_max and wmem_max.
    /// </summary>
    private const int SharedUdpBufferBytes = 4 << 20;

    // SO_REUSEPORT, which .NET has no name for: SOL_SOCKET and the option's number on Linux.
    private const int SocketLevel = 1;
    private const int ReusePort = 15;

    public static Socket BindUdp(IPEndPoint endPoint) => BindUdp(endPoint, false);

    /// <summary>
    /// <paramref name="count"/> sockets on one address; more than one share the port through
    /// SO_REUSEPORT. A configured port is first bound by a plain socket, so a port some other process
    /// holds (even another turnserver, which would otherwise quietly share it) fails start-up as it
    /// would with one socket. Port 0 is left to the kernel, which picks one no socket uses, and the
    /// rest join it.
    /// </summary>
    public static Socket[] BindUdp(IPEndPoint endPoint, int count)
    {
        if (count == 1)
        {
            return [BindUdp(endPoint)];
        }

        if (endPoint.Port != 0)
        {
            BindUdp(endPoint, false).Dispose();
        }

        var sockets = new List<Socket>(count);
        try
        {
            sockets.Add(BindUdp(endPoint, true));
            var shared = (IPEndPoint)sockets[0].LocalEndPoint!;
            while (sockets.Count < count)
            {
                sockets.Add(BindUdp(shared, true));
            }

            return [.. sockets];
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }
    }

    private static Socket BindUdp(IPEndPoint endPoint, bool reusePort) =>
        Create(endPoint, SocketType.Dgram, ProtocolType.Udp, socket =>
        {
            socket.ReceiveBufferSize = SharedUdpBufferBytes;
            socket.SendBufferSize = SharedUdpBufferBytes;
            if (reusePort)
            {
                socket.SetRawSocketOption(SocketLevel, ReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(endPoint);
        });

    public static Socket ListenTcp(IPEndPoint endPoint, int backlog) =>
        Create(endPoint, SocketType.Stream, ProtocolType.Tcp, socket =>
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(backlog);
        });

    /// <summary>A port in use must not leak the socket: the caller only sees the exception.</summary>
    private static Socket Create(IPEndPoint endPoint, SocketType type, ProtocolType protocol, Action<Socket> open)
    {
        var socket = new Socket(endPoint.AddressFamily, type, protocol);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            open(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
