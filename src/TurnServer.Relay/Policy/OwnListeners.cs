using TurnServer.Protocol.Attributes;

namespace TurnServer.Relay.Policy;

/// <summary>
/// The ports the host listens on, by transport: STUN/TURN over UDP and DTLS, and TCP, TLS and the
/// HTTP endpoints (metrics, admin, signaling). The host adds each as it binds it. A UDP relay to a
/// port where only a TCP listener waits reaches nothing of ours, so the transports are kept apart.
/// </summary>
public sealed class OwnListeners
{
    private readonly PortSet _udp = new();
    private readonly PortSet _tcp = new();

    public void Add(TransportProtocol protocol, ushort port) => Ports(protocol).Add(port);

    public bool HasPort(TransportProtocol protocol, ushort port) => Ports(protocol).Contains(port);

    private PortSet Ports(TransportProtocol protocol) => protocol == TransportProtocol.Tcp ? _tcp : _udp;
}
