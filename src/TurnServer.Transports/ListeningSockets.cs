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

    public static Socket BindUdp(IPEndPoint endPoint) =>
        Create(endPoint, SocketType.Dgram, ProtocolType.Udp, socket =>
        {
            socket.ReceiveBufferSize = SharedUdpBufferBytes;
            socket.SendBufferSize = SharedUdpBufferBytes;
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
