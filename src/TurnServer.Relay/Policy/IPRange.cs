using System.Net;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>
/// A CIDR range held as numbers, so checking a peer address against a list allocates nothing.
/// Parsed from "203.0.113.0/24", "2001:db8::/32", a single address, or coturn's "first-last" form.
/// </summary>
public readonly record struct IPRange(StunAddressFamily Family, UInt128 First, UInt128 Last)
{
    public bool Contains(StunAddressFamily family, UInt128 address) => family == Family && address >= First && address <= Last;

    public bool Contains(in TransportAddress address) => Contains(address.Family, address.AddressValue);

    public static IPRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            var first = ToNumber(IPAddress.Parse(text[..dash].Trim()));
            var last = ToNumber(IPAddress.Parse(text[(dash + 1)..].Trim()));
            if (first.Family != last.Family || first.Value > last.Value)
            {
                throw new FormatException($"'{text}' is not a range: both ends must be of one family, the first not above the last.");
            }

            return new IPRange(first.Family, first.Value, last.Value);
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var (family, value) = ToNumber(IPAddress.Parse(slash < 0 ? text.Trim() : text[..slash].Trim()));
        var bits = family == StunAddressFamily.IPv4 ? 32 : 128;
        var prefix = slash < 0 ? bits : int.Parse(text.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);
        if (prefix < 0 || prefix > bits)
        {
            throw new FormatException($"'{text}': the prefix length must be between 0 and {bits}.");
        }

        var hostMask = prefix == 0 ? UInt128.MaxValue >> (128 - bits) : (UInt128.One << (bits - prefix)) - 1;
        return new IPRange(family, value & ~hostMask, value | hostMask);
    }

    public override string ToString() => First == Last ? ToAddress(First).ToString() : $"{ToAddress(First)}-{ToAddress(Last)}";

    private IPAddress ToAddress(UInt128 value) =>
        (Family == StunAddressFamily.IPv4 ? TransportAddress.FromIPv4((uint)value, 0) : TransportAddress.FromIPv6(value, 0)).ToIPAddress();

    private static (StunAddressFamily Family, UInt128 Value) ToNumber(IPAddress address)
    {
        var parsed = TransportAddress.FromIPAddress(address, 0);
        return (parsed.Family, parsed.AddressValue);
    }
}
