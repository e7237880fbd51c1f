using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>Binds one UDP socket per allocation at the address and port the engine chose.</summary>
public sealed class UdpRelayEndpointFactory(UdpIo io, TransportCounters counters, ILogger logger) : IRelayEndpointFactory
{
    public bool TryOpen(in TransportAddress address, bool dontFragment, IRelaySink sink, out IRelayEndpoint? endpoint)
    {
        endpoint = null;
        var endPoint = address.ToIPEndPoint();
        Socket? socket = null;
        try
        {
            // Out of descriptors or buffers is a failure to open, like a port in use: 508, not a crash.
            socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (dontFragment && endPoint.AddressFamily == AddressFamily.InterNetwork)
            {
                socket.DontFragment = true;
            }

            socket.Bind(endPoint);
        }
        catch (SocketException)
        {
            socket?.Dispose();
            return false;
        }

        var datagramSocket = new DatagramSocket(socket, counters);
        try
        {
            endpoint = new UdpRelayEndpoint(datagramSocket, sink, io, logger);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            datagramSocket.Dispose(); // No room in the receive loop's epoll set: refused like a port in use.
            return false;
        }
    }
}
