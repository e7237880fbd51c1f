using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>
/// Which client addresses count as one source for the per-source limits (connections, the
/// unauthenticated request budget, DTLS handshakes): an IPv4 address, or an IPv6 prefix. A single
/// subscriber is routinely given a whole /64, so keying on all 128 bits would hand one attacker
/// 2^64 budgets. An IPv4-mapped IPv6 address (a dual-stack socket's view of IPv4) counts as IPv4.
/// </summary>
public sealed class SourcePrefix
{
    public const int DefaultIPv6Length = 64;

    private static readonly UInt128 MappedIPv4Prefix = (UInt128)0xFFFF << 32;

    private readonly UInt128 _ipv6Mask;

    public SourcePrefix(int ipv6Length = DefaultIPv6Length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ipv6Length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ipv6Length, 128);
        IPv6Length = ipv6Length;
        _ipv6Mask = UInt128.MaxValue << (128 - ipv6Length);
    }

    public int IPv6Length { get; }

    /// <summary>The source an address belongs to: equal keys share one budget.</summary>
    public SourceKey KeyOf(in TransportAddress address)
    {
        var value = address.AddressValue;
        if (address.Family == StunAddressFamily.IPv4)
        {
            return new SourceKey(StunAddressFamily.IPv4, value);
        }

        return (value >> 32) == (MappedIPv4Prefix >> 32)
            ? new SourceKey(StunAddressFamily.IPv4, value & uint.MaxValue)
            : new SourceKey(StunAddressFamily.IPv6, value & _ipv6Mask);
    }
}
