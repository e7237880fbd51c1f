using System.Buffers.Binary;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Protocol.Stun;

/// <summary>
/// Typed readers for attribute values. Each returns false when the attribute is absent or its value is
/// malformed (wrong length, unknown family, code out of range); a server answers 400 to either.
/// </summary>
public readonly ref partial struct StunMessage
{
    /// <summary>MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN or OTHER-ADDRESS.</summary>
    public bool TryGetAddress(StunAttributeType type, out TransportAddress address)
    {
        address = default;
        return TryGetAttribute(type, out var value) && AddressCodec.TryDecode(value, [], out address);
    }

    /// <summary>XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS, or the first XOR-PEER-ADDRESS.</summary>
    public bool TryGetXorAddress(StunAttributeType type, out TransportAddress address)
    {
        address = default;
        return TryGetAttribute(type, out var value) && TryDecodeXorAddress(value, out address);
    }

    /// <summary>Decodes one XOR-ed address value, for attributes that repeat (XOR-PEER-ADDRESS).</summary>
    public bool TryDecodeXorAddress(ReadOnlySpan<byte> value, out TransportAddress address) =>
        AddressCodec.TryDecode(value, AddressCodec.XorKey(_bytes), out address);

    /// <summary>A 32-bit value: LIFETIME (seconds) or CONNECTION-ID.</summary>
    public bool TryGetUInt32(StunAttributeType type, out uint value)
    {
        value = 0;
        if (!TryGetAttribute(type, out var bytes) || bytes.Length != sizeof(uint))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }

    /// <summary>ERROR-CODE: the code (300-699) and the UTF-8 reason phrase.</summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        return TryGetAttribute(StunAttributeType.ErrorCode, out var value) && ErrorCodeCodec.TryDecode(value, out code, out reason);
    }

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 section 18.12): which family failed, and why.</summary>
    public bool TryGetAddressErrorCode(out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reason)
    {
        family = default;
        code = 0;
        reason = default;
        if (!TryGetAttribute(StunAttributeType.AddressErrorCode, out var value) || !ErrorCodeCodec.TryDecode(value, out code, out reason))
        {
            return false;
        }

        family = (StunAddressFamily)value[0];
        return true;
    }

    /// <summary>UNKNOWN-ATTRIBUTES: copies the listed types into <paramref name="destination"/>.</summary>
    public bool TryGetUnknownAttributes(Span<ushort> destination, out int count)
    {
        count = 0;
        if (!TryGetAttribute(StunAttributeType.UnknownAttributes, out var value) || (value.Length & 1) != 0 || value.Length / 2 > destination.Length)
        {
            return false;
        }

        count = value.Length / 2;
        for (var i = 0; i < count; i++)
        {
            destination[i] = BinaryPrimitives.ReadUInt16BigEndian(value[(2 * i)..]);
        }

        return true;
    }

    /// <summary>CHANNEL-NUMBER: the number, followed by 16 reserved bits.</summary>
    public bool TryGetChannelNumber(out ushort channelNumber)
    {
        channelNumber = 0;
        if (!TryGetAttribute(StunAttributeType.ChannelNumber, out var value) || value.Length != 4)
        {
            return false;
        }

        channelNumber = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>REQUESTED-TRANSPORT: the protocol number as sent; the server decides whether it supports it (442).</summary>
    public bool TryGetRequestedTransport(out TransportProtocol protocol)
    {
        protocol = default;
        if (!TryGetAttribute(StunAttributeType.RequestedTransport, out var value) || value.Length != 4)
        {
            return false;
        }

        protocol = (TransportProtocol)value[0];
        return true;
    }

    /// <summary>
    /// REQUESTED-ADDRESS-FAMILY or ADDITIONAL-ADDRESS-FAMILY: the family byte as sent; a value other than
    /// IPv4 or IPv6 is for the server to refuse with 440.
    /// </summary>
    public bool TryGetAddressFamily(StunAttributeType type, out StunAddressFamily family)
    {
        family = default;
        if (!TryGetAttribute(type, out var value) || value.Length != 4)
        {
            return false;
        }

        family = (StunAddressFamily)value[0];
        return true;
    }

    /// <summary>EVEN-PORT: whether the client also asks to reserve the next port (the R bit).</summary>
    public bool TryGetEvenPort(out bool reserveNextPort)
    {
        reserveNextPort = false;
        if (!TryGetAttribute(StunAttributeType.EvenPort, out var value) || value.Length != 1)
        {
            return false;
        }

        reserveNextPort = (value[0] & 0x80) != 0;
        return true;
    }

    /// <summary>RESERVATION-TOKEN: 8 opaque bytes, held as a number so it can key a table.</summary>
    public bool TryGetReservationToken(out ulong token)
    {
        token = 0;
        if (!TryGetAttribute(StunAttributeType.ReservationToken, out var value) || value.Length != sizeof(ulong))
        {
            return false;
        }

        token = BinaryPrimitives.ReadUInt64BigEndian(value);
        return true;
    }

    public bool TryGetIcmp(out IcmpInfo icmp)
    {
        icmp = default;
        if (!TryGetAttribute(StunAttributeType.Icmp, out var value) || value.Length != 8)
        {
            return false;
        }

        var typeAndCode = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        icmp = new IcmpInfo((byte)(typeAndCode >> 9), (ushort)(typeAndCode & IcmpInfo.MaxCode), BinaryPrimitives.ReadUInt32BigEndian(value[4..]));
        return true;
    }

    /// <summary>CHANGE-REQUEST (RFC 5780): answer from the other address, the other port, or both.</summary>
    public bool TryGetChangeRequest(out ChangeRequest flags)
    {
        flags = default;
        if (!TryGetAttribute(StunAttributeType.ChangeRequest, out var value) || value.Length != 4)
        {
            return false;
        }

        flags = (ChangeRequest)BinaryPrimitives.ReadUInt32BigEndian(value) & (ChangeRequest.ChangeIP | ChangeRequest.ChangePort);
        return true;
    }

    /// <summary>RESPONSE-PORT (RFC 5780): the port to send the response to, followed by 16 bits of padding.</summary>
    public bool TryGetResponsePort(out ushort port)
    {
        port = 0;
        if (!TryGetAttribute(StunAttributeType.ResponsePort, out var value) || value.Length != 4)
        {
            return false;
        }

        port = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>PASSWORD-ALGORITHM: the algorithm the client chose, with its parameters.</summary>
    public bool TryGetPasswordAlgorithm(out PasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
    {
        algorithm = default;
        parameters = default;
        if (!TryGetAttribute(StunAttributeType.PasswordAlgorithm, out var value))
        {
            return false;
        }

        var entries = new PasswordAlgorithmEnumerator(value);
        if (!entries.MoveNext() || entries.MoveNext() || !entries.IsWellFormed)
        {
            return false;
        }

        algorithm = entries.Current.Algorithm;
        parameters = entries.Current.Parameters;
        return true;
    }

    /// <summary>PASSWORD-ALGORITHMS: the algorithms the server offers, in its order of preference.</summary>
    public bool TryGetPasswordAlgorithms(out PasswordAlgorithmEnumerator algorithms)
    {
        algorithms = default;
        if (!TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var value) || !PasswordAlgorithmEnumerator.IsWellFormedList(value))
        {
            return false;
        }

        algorithms = new PasswordAlgorithmEnumerator(value);
        return true;
    }
}
