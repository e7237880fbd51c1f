using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Udp;

/// <summary>
/// Every UDP send goes through here. On a batched receive loop's thread the datagram joins that loop's
/// <see cref="SendBatch"/>, which leaves in sendmmsg calls once the loop has handled what it received;
/// elsewhere (stream connections, timers, the portable loops) it is sent at once. Either way nothing is
/// allocated: the destination is written into a per-thread socket address.
/// </summary>
internal static class DatagramSender
{
    [ThreadStatic]
    private static SendBatch? t_batch;

    [ThreadStatic]
    private static SocketAddress? t_ipv4;

    [ThreadStatic]
    private static SocketAddress? t_ipv6;

    /// <summary>Set by a batched loop for its own thread.</summary>
    internal static SendBatch? CurrentBatch
    {
        get => t_batch;
        set => t_batch = value;
    }

    public static void Send(DatagramSocket socket, in TransportAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (t_batch is { } batch)
        {
            if (batch.TryAdd(socket, destination, datagram))
            {
                return;
            }

            batch.Flush(); // What is queued leaves first, so one destination sees datagrams in order.
        }

        try
        {
            socket.Socket.SendTo(datagram, SocketFlags.None, Scratch(socket.Family, destination));
        }
        catch (SocketException)
        {
            socket.Counters.SendFailed();
        }
        catch (ObjectDisposedException)
        {
            // The socket closed while this datagram was on its way; lost, as UDP may lose it.
        }
    }

    private static SocketAddress Scratch(AddressFamily family, in TransportAddress destination)
    {
        var address = family == AddressFamily.InterNetworkV6
            ? t_ipv6 ??= new IPEndPoint(IPAddress.IPv6Any, 0).Serialize()
            : t_ipv4 ??= new IPEndPoint(IPAddress.Any, 0).Serialize();
        SocketAddresses.Write(destination, address);
        return address;
    }
}
