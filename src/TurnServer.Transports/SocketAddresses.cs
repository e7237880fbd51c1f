using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Transports;

/// <summary>
/// Converts between the kernel's sockaddr bytes in a <see cref="SocketAddress"/> and
/// <see cref="TransportAddress"/> without allocating, so the receive loops can key tables by value.
/// Layout (Linux and the .NET abstraction alike): family, port in network order at bytes 2-3, then an
/// IPv4 address at 4-7, or flow info at 4-7 and an IPv6 address at 8-23.
/// </summary>
public static class SocketAddresses
{
    private const int PortOffset = 2;
    private const int IPv4Offset = 4;
    private const int IPv6Offset = 8;

    // Linux's AF_INET and AF_INET6, and the sizes of sockaddr_in and sockaddr_in6.
    private const int NativeFamilyIPv4 = 2;
    private const int NativeFamilyIPv6 = 10;
    private const int NativeIPv4Length = 16;
    private const int NativeIPv6Length = 28;

    public static TransportAddress ToTransportAddress(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes[PortOffset..]);
        return socketAddress.Family == AddressFamily.InterNetworkV6
            ? TransportAddress.FromIPv6(BinaryPrimitives.ReadUInt128BigEndian(bytes[IPv6Offset..]), port)
            : TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes[IPv4Offset..]), port);
    }

    /// <summary>
    /// Writes an address into an existing socket address of the same family; a socket bound to IPv6 gets
    /// IPv4 peers in their IPv4-mapped form.
    /// </summary>
    public static void Write(in TransportAddress address, SocketAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var bytes = destination.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[PortOffset..], address.Port);
        if (destination.Family == AddressFamily.InterNetworkV6)
        {
            bytes[IPv4Offset..IPv6Offset].Clear();
            var value = address.Family == Protocol.Addressing.StunAddressFamily.IPv4 ? ((UInt128)0xFFFF << 32) | address.AddressValue : address.AddressValue;
            BinaryPrimitives.WriteUInt128BigEndian(bytes[IPv6Offset..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[IPv4Offset..], (uint)address.AddressValue);
        }
    }

    /// <summary>Reads a native sockaddr_in or sockaddr_in6, whose family the first two bytes name.</summary>
    public static TransportAddress ToTransportAddress(ReadOnlySpan<byte> socketAddress)
    {
        var port = BinaryPrimitives.ReadUInt16BigEndian(socketAddress[PortOffset..]);
        return MemoryMarshal.Read<ushort>(socketAddress) == (ushort)NativeFamilyIPv6
            ? TransportAddress.FromIPv6(BinaryPrimitives.ReadUInt128BigEndian(socketAddress[IPv6Offset..]), port)
            : TransportAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(socketAddress[IPv4Offset..]), port);
    }

    /// <summary>
    /// Writes a native sockaddr for a socket of <paramref name="socketFamily"/> (IPv4 peers of an IPv6
    /// socket in their IPv4-mapped form) and returns its length.
    /// </summary>
    public static int WriteNative(in TransportAddress address, AddressFamily socketFamily, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination[PortOffset..], address.Port);
        if (socketFamily == AddressFamily.InterNetworkV6)
        {
            MemoryMarshal.Write(destination, (ushort)NativeFamilyIPv6);
            destination[IPv4Offset..IPv6Offset].Clear();
            var value = address.Family == Protocol.Addressing.StunAddressFamily.IPv4 ? ((UInt128)0xFFFF << 32) | address.AddressValue : address.AddressValue;
            BinaryPrimitives.WriteUInt128BigEndian(destination[IPv6Offset..], value);
            destination[(IPv6Offset + 16)..NativeIPv6Length].Clear(); // scope id
            return NativeIPv6Length;
        }

        MemoryMarshal.Write(destination, (ushort)NativeFamilyIPv4);
        BinaryPrimitives.WriteUInt32BigEndian(destination[IPv4Offset..], (uint)address.AddressValue);
        destination[(IPv4Offset + 4)..NativeIPv4Length].Clear();
        return NativeIPv4Length;
    }

    public static SocketAddress Create(in TransportAddress address, AddressFamily family)
    {
        var socketAddress = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Serialize();
        Write(address, socketAddress);
        return socketAddress;
    }
}
