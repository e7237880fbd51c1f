using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// The four UDP listeners of RFC 5780 NAT behaviour discovery: two IPs of one family, each on the
/// listening port and the port after it (coturn's layout). Each listener answers Binding requests
/// with OTHER-ADDRESS and RESPONSE-ORIGIN, and from a sibling when CHANGE-REQUEST asks.
/// </summary>
public sealed class BehaviorDiscoveryGroup
{
    private readonly UdpListener[,] _listeners;

    /// <param name="listeners">[ip, port]: [0, 0] the primary address, [1, 1] the other IP and port.</param>
    public BehaviorDiscoveryGroup(UdpListener[,] listeners)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        if (listeners.GetLength(0) != 2 || listeners.GetLength(1) != 2)
        {
            throw new ArgumentException("RFC 5780 needs two IPs on two ports", nameof(listeners));
        }

        _listeners = listeners;
        for (var ip = 0; ip < 2; ip++)
        {
            for (var port = 0; port < 2; port++)
            {
                listeners[ip, port].JoinBehaviorDiscovery(new Member(this, ip, port));
            }
        }
    }

    private sealed class Member(BehaviorDiscoveryGroup group, int ip, int port) : IBehaviorDiscoveryTransport
    {
        private UdpListener Listener => group._listeners[ip, port];

        public TransportAddress LocalAddress => Listener.LocalAddress;

        public TransportAddress OtherAddress => group._listeners[1 - ip, 1 - port].LocalAddress;

        public IClientChannel CreateChannel(in TransportAddress client) => Listener.CreateChannel(client);

        public TransportAddress OriginFor(bool changeIP, bool changePort) =>
            group._listeners[changeIP ? 1 - ip : ip, changePort ? 1 - port : port].LocalAddress;

        public void SendFrom(in TransportAddress origin, in TransportAddress client, ReadOnlySpan<byte> message)
        {
            foreach (var listener in group._listeners)
            {
                if (listener.LocalAddress == origin)
                {
                    listener.SendTo(client, message);
                    return;
                }
            }
        }
    }
}
