using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Options;

/// <summary>
/// Where relay sockets of one family bind (coturn's relay-ip), and what clients are told when that
/// address sits behind 1:1 NAT (coturn's external-ip). Ports are ignored.
/// </summary>
public sealed record RelayAddress(TransportAddress Local, TransportAddress? Advertised = null)
{
    public StunAddressFamily Family => Local.Family;

    public TransportAddress AdvertisedOrLocal => Advertised ?? Local;
}
