using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>Where a HelloVerifyRequest goes: straight back to the datagram's source, with nothing kept.</summary>
internal sealed class StatelessReply(Socket socket, SocketAddress client, TransportCounters counters) : DatagramSender
{
    private const int HandshakeDatagramLimit = 1200;

    public int GetSendLimit() => HandshakeDatagramLimit;

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        try
        {
            socket.SendTo(buffer, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            counters.SendFailed();
        }
    }
}
