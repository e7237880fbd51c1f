using System.Buffers.Binary;
using System.Net;

namespace TurnServer.Protocol.Addressing;

/// <summary>
/// An IP address and port held by value: what STUN address attributes carry, and what server tables
/// use as keys. Unlike <see cref="IPEndPoint"/>, making, comparing and hashing one allocates nothing.
/// </summary>
public readonly struct TransportAddress : IEquatable<TransportAddress>
{
    public const int IPv4Length = 4;
    public const int IPv6Length = 16;

    // The address as one 128-bit big-endian number; an IPv4 address sits in the low 32 bits.
    private readonly UInt128 _address;

    private TransportAddress(StunAddressFamily family, UInt128 address, ushort port)
    {
        Family = family;
        _address = address;
        Port = port;
    }

    public StunAddressFamily Family { get; }

    public ushort Port { get; }

    /// <summary>The address as a number; an IPv4 address occupies the low 32 bits.</summary>
    public UInt128 AddressValue => _address;

    public int AddressLength => Family == StunAddressFamily.IPv4 ? IPv4Length : IPv6Length;

    /// <summary>Reads 4 bytes (IPv4) or 16 bytes (IPv6) in network order.</summary>
    public static TransportAddress FromBytes(ReadOnlySpan<byte> address, ushort port) => address.Length switch
    {
        IPv4Length => FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(address), port),
        IPv6Length => FromIPv6(BinaryPrimitives.ReadUInt128BigEndian(address), port),
        _ => throw new ArgumentException("An address is 4 or 16 bytes long.", nameof(address)),
    };

    /// <summary>An IPv4 address given as its 32-bit number (192.0.2.1 is 0xC0000201).</summary>
    public static TransportAddress FromIPv4(uint address, ushort port) => new(StunAddressFamily.IPv4, address, port);

    /// <summary>An IPv6 address given as its 128-bit number.</summary>
    public static TransportAddress FromIPv6(UInt128 address, ushort port) => new(StunAddressFamily.IPv6, address, port);

    public static TransportAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromIPAddress(endPoint.Address, (ushort)endPoint.Port);
    }

    public static TransportAddress FromIPAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[IPv6Length];
        address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written], port);
    }

    public static TransportAddress Parse(string endPoint) => FromIPEndPoint(IPEndPoint.Parse(endPoint));

    /// <summary>Writes the address in network order and returns how many bytes it took.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (Family == StunAddressFamily.IPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_address);
            return IPv4Length;
        }

        BinaryPrimitives.WriteUInt128BigEndian(destination, _address);
        return IPv6Length;
    }

    public TransportAddress WithPort(ushort port) => new(Family, _address, port);

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[IPv6Length];
        return new IPAddress(bytes[..WriteAddressBytes(bytes)]);
    }

    public IPEndPoint ToIPEndPoint() => new(ToIPAddress(), Port);

    public bool Equals(TransportAddress other) =>
        _address == other._address && Port == other.Port && Family == other.Family;

    public override bool Equals(object? obj) => obj is TransportAddress other && Equals(other);

    // The address folded to 64 bits and one HashCode step: every relayed packet hashes its source.
    public override int GetHashCode() =>
        HashCode.Combine((ulong)_address ^ (ulong)(_address >> 64), Port | ((int)Family << 16));

    public static bool operator ==(TransportAddress left, TransportAddress right) => left.Equals(right);

    public static bool operator !=(TransportAddress left, TransportAddress right) => !left.Equals(right);

    public override string ToString() => ToIPEndPoint().ToString();
}
