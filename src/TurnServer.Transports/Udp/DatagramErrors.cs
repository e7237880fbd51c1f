using System.Net.Sockets;

namespace TurnServer.Transports.Udp;

internal static class DatagramErrors
{
    /// <summary>
    /// Errors the kernel reports on a UDP socket for ICMP messages about earlier sends, or for a
    /// moment's shortage: counted, and the socket goes on.
    /// </summary>
    public static bool IsPeerReport(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
        or SocketError.MessageSize or SocketError.TimedOut or SocketError.NoBufferSpaceAvailable;
}
