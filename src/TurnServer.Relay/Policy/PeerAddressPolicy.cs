using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>
/// Decides which peers a client may relay to. By default a TURN server on a VPS must not become a way
/// into the provider's network: loopback, private, link-local (cloud metadata at 169.254.169.254),
/// multicast, broadcast and reserved ranges are refused, and so is every IPv6 form that embeds such an
/// IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo), the bypass that
/// coturn fixed only in 4.9. Operator allow rules win over every deny rule. The server's own
/// addresses are peers only at ports of the relay range: two clients relaying to each other through
/// one server (two relay-only browsers, the most common TURN call) is what a TURN server is for,
/// while its other ports are no business of a relay. Its own listeners (STUN/TURN, TLS, DTLS, metrics,
/// admin, signaling) are refused whatever the operator allows (<see cref="IsOwnAddress"/> with the
/// engine's listener ports): relaying into them makes the server answer itself, a loop.
/// </summary>
public sealed class PeerAddressPolicy
{
    private static readonly IPRange[] LoopbackRanges = [IPRange.Parse("127.0.0.0/8"), IPRange.Parse("::1/128")];

    // Where a datagram reaches this host whatever its interfaces: loopback, and the unspecified
    // address, which Linux delivers locally.
    private static readonly IPRange[] ThisHostRanges = [.. LoopbackRanges, IPRange.Parse("0.0.0.0/32"), IPRange.Parse("::/128")];

    private static readonly IPRange[] SpecialRanges =
    [
        IPRange.Parse("0.0.0.0/8"), // "this network"
        IPRange.Parse("10.0.0.0/8"), // RFC 1918
        IPRange.Parse("100.64.0.0/10"), // RFC 6598 carrier-grade NAT, used inside cloud networks
        IPRange.Parse("169.254.0.0/16"), // link-local, including 169.254.169.254 metadata services
        IPRange.Parse("172.16.0.0/12"), // RFC 1918
        IPRange.Parse("192.0.0.0/24"), // IETF protocol assignments
        IPRange.Parse("192.168.0.0/16"), // RFC 1918
        IPRange.Parse("224.0.0.0/4"), // multicast
        IPRange.Parse("240.0.0.0/4"), // reserved, and 255.255.255.255 broadcast
        IPRange.Parse("::/128"), // unspecified
        IPRange.Parse("100::/64"), // discard-only
        IPRange.Parse("64:ff9b:1::/48"), // local-use NAT64: whatever it translates to is internal
        IPRange.Parse("fc00::/7"), // unique local
        IPRange.Parse("fe80::/10"), // link-local
        IPRange.Parse("fec0::/10"), // deprecated site-local
        IPRange.Parse("ff00::/8"), // multicast
    ];

    private readonly IPRange[] _allowed;
    private readonly IPRange[] _denied;
    private readonly IPRange[] _own;
    private readonly int _minRelayPort;
    private readonly int _maxRelayPort;

    public PeerAddressPolicy(IEnumerable<IPRange> allowed, IEnumerable<IPRange> denied, bool allowLoopback)
        : this(allowed, denied, allowLoopback, [], 0, 65535)
    {
    }

    /// <param name="own">The server's addresses; a peer there must be at a port from <paramref name="minRelayPort"/> to <paramref name="maxRelayPort"/>.</param>
    public PeerAddressPolicy(IEnumerable<IPRange> allowed, IEnumerable<IPRange> denied, bool allowLoopback, IEnumerable<IPRange> own, int minRelayPort, int maxRelayPort)
    {
        _allowed = [.. allowed];
        _denied = [.. SpecialRanges, .. allowLoopback ? [] : LoopbackRanges, .. denied];
        _own = [.. ThisHostRanges, .. own];
        _minRelayPort = minRelayPort;
        _maxRelayPort = maxRelayPort;
        AllowLoopback = allowLoopback;
    }

    public static PeerAddressPolicy Default { get; } = new([], [], allowLoopback: false);

    public bool AllowLoopback { get; }

    public bool IsAllowed(in TransportAddress peer)
    {
        var hasEmbedded = TryGetEmbeddedIPv4(peer, out var embedded);
        if (Matches(_allowed, peer.Family, peer.AddressValue) || (hasEmbedded && Matches(_allowed, StunAddressFamily.IPv4, embedded)))
        {
            return true;
        }

        return !Matches(_denied, peer.Family, peer.AddressValue) && !(hasEmbedded && Matches(_denied, StunAddressFamily.IPv4, embedded));
    }

    /// <summary>
    /// Unless loopback peers are allowed, a peer at one of the server's own addresses but outside the
    /// relay ports: refused where the port counts (ChannelBind, Connect, each Send indication), though
    /// a permission for the address itself is not, since permissions have no port.
    /// </summary>
    public bool IsOwnService(in TransportAddress peer) =>
        !AllowLoopback && (peer.Port < _minRelayPort || peer.Port > _maxRelayPort) && IsOwnAddress(peer);

    /// <summary>An address of this host: loopback, unspecified, or one of its own, also when embedded in IPv6.</summary>
    public bool IsOwnAddress(in TransportAddress peer) =>
        Matches(_own, peer.Family, peer.AddressValue) || (TryGetEmbeddedIPv4(peer, out var embedded) && Matches(_own, StunAddressFamily.IPv4, embedded));

    /// <summary>The IPv4 address an IPv6 address carries, in the forms a kernel or a NAT64 would act on.</summary>
    internal static bool TryGetEmbeddedIPv4(in TransportAddress address, out UInt128 ipv4)
    {
        ipv4 = 0;
        if (address.Family != StunAddressFamily.IPv6)
        {
            return false;
        }

        var value = address.AddressValue;
        var high96 = value >> 32;
        var low32 = value & uint.MaxValue;
        if (high96 == 0xFFFF // ::ffff:a.b.c.d, IPv4-mapped
            || high96 == 0xFFFF_0000 // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765)
            || (high96 == 0 && low32 > 1) // ::a.b.c.d, IPv4-compatible (deprecated); :: and ::1 are themselves
            || high96 == ((UInt128)0x0064_FF9B << 64)) // 64:ff9b::a.b.c.d, NAT64 well-known prefix
        {
            ipv4 = low32;
            return true;
        }

        if (value >> 112 == 0x2002) // 2002:AABB:CCDD::/48, 6to4
        {
            ipv4 = (value >> 80) & uint.MaxValue;
            return true;
        }

        if (value >> 96 == 0x2001_0000) // 2001:0::/32, Teredo: the client's address is stored inverted
        {
            ipv4 = ~low32 & uint.MaxValue;
            return true;
        }

        return false;
    }

    private static bool Matches(IPRange[] ranges, StunAddressFamily family, UInt128 address)
    {
        foreach (var range in ranges)
        {
            if (range.Contains(family, address))
            {
                return true;
            }
        }

        return false;
    }
}
