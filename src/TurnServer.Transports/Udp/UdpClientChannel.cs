using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>The way back to one UDP client: a socket of the listener it talks to, and its address.</summary>
internal sealed class UdpClientChannel(DatagramSocket socket, TransportAddress client) : IClientChannel
{
    public bool IsStream => false;

    public void Send(ReadOnlySpan<byte> message) => DatagramSender.Send(socket, client, message);
}
