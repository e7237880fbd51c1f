using System.Buffers.Binary;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Protocol.Attributes;

/// <summary>
/// The address attribute layout shared by MAPPED-ADDRESS and its XOR variants (RFC 8489 sections 14.1
/// and 14.2): reserved byte, family, port, 4 or 16 address bytes. The XOR variants mask the port with
/// the cookie's high 16 bits and the address with the cookie (IPv4) or cookie and transaction id (IPv6).
/// </summary>
internal static class AddressCodec
{
    private const int FixedPart = 4;

    /// <summary>The 16 header bytes that XOR-ed addresses are masked with: cookie and transaction id.</summary>
    public static ReadOnlySpan<byte> XorKey(ReadOnlySpan<byte> header) => header.Slice(4, 16);

    public static int ValueLength(in TransportAddress address) => FixedPart + address.AddressLength;

    /// <param name="xorKey">Empty for a plain address, else <see cref="XorKey"/> of the message.</param>
    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> xorKey, out TransportAddress address)
    {
        address = default;
        if (value.Length < FixedPart)
        {
            return false;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        var bytes = value[FixedPart..];
        var masked = !xorKey.IsEmpty;
        if (masked)
        {
            port ^= BinaryPrimitives.ReadUInt16BigEndian(xorKey);
        }

        switch ((StunAddressFamily)value[1])
        {
            case StunAddressFamily.IPv4 when bytes.Length == TransportAddress.IPv4Length:
                var v4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
                address = TransportAddress.FromIPv4(masked ? v4 ^ BinaryPrimitives.ReadUInt32BigEndian(xorKey) : v4, port);
                return true;
            case StunAddressFamily.IPv6 when bytes.Length == TransportAddress.IPv6Length:
                var v6 = BinaryPrimitives.ReadUInt128BigEndian(bytes);
                address = TransportAddress.FromIPv6(masked ? v6 ^ BinaryPrimitives.ReadUInt128BigEndian(xorKey) : v6, port);
                return true;
            default:
                return false;
        }
    }

    public static void Encode(Span<byte> destination, in TransportAddress address, ReadOnlySpan<byte> xorKey)
    {
        var masked = !xorKey.IsEmpty;
        destination[0] = 0;
        destination[1] = (byte)address.Family;
        var port = address.Port;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], masked ? (ushort)(port ^ BinaryPrimitives.ReadUInt16BigEndian(xorKey)) : port);
        var bytes = destination[FixedPart..];
        if (address.Family == StunAddressFamily.IPv4)
        {
            var v4 = (uint)address.AddressValue;
            BinaryPrimitives.WriteUInt32BigEndian(bytes, masked ? v4 ^ BinaryPrimitives.ReadUInt32BigEndian(xorKey) : v4);
        }
        else
        {
            var v6 = address.AddressValue;
            BinaryPrimitives.WriteUInt128BigEndian(bytes, masked ? v6 ^ BinaryPrimitives.ReadUInt128BigEndian(xorKey) : v6);
        }
    }
}
