using System.Net;
using System.Net.Sockets;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// The way back to one UDP client: the listening socket and the client's address, made once per
/// allocation so sending to the client allocates nothing.
/// </summary>
internal sealed class UdpClientChannel(Socket socket, SocketAddress client, TransportCounters counters) : IClientChannel
{
    public bool IsStream => false;

    public void Send(ReadOnlySpan<byte> message)
    {
        try
        {
            socket.SendTo(message, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            counters.SendFailed();
        }
        catch (ObjectDisposedException)
        {
            // The listener is stopping; the packet is lost like any UDP packet.
        }
    }
}
