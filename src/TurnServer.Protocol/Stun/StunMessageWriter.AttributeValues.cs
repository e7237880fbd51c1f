using System.Buffers.Binary;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Protocol.Stun;

/// <summary>Typed writers for attribute values, the mirror of the readers on <see cref="StunMessage"/>.</summary>
public ref partial struct StunMessageWriter
{
    /// <summary>MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN or OTHER-ADDRESS.</summary>
    public void WriteAddress(StunAttributeType type, in TransportAddress address) =>
        AddressCodec.Encode(AddAttribute(type, AddressCodec.ValueLength(address)), address, []);

    /// <summary>XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS or XOR-RELAYED-ADDRESS.</summary>
    public void WriteXorAddress(StunAttributeType type, in TransportAddress address)
    {
        var value = AddAttribute(type, AddressCodec.ValueLength(address));
        AddressCodec.Encode(value, address, XorKey);
    }

    /// <summary>A 32-bit value: LIFETIME (seconds) or CONNECTION-ID.</summary>
    public void WriteUInt32(StunAttributeType type, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(AddAttribute(type, sizeof(uint)), value);

    /// <summary>ERROR-CODE with the registry's reason phrase.</summary>
    public void WriteErrorCode(StunErrorCode code) => WriteErrorCode((int)code, code.ReasonPhrase());

    public void WriteErrorCode(int code, scoped ReadOnlySpan<byte> reason)
    {
        var value = AddAttribute(StunAttributeType.ErrorCode, ErrorCodeCodec.FixedPart + ReasonLength(reason));
        ErrorCodeCodec.EncodeFixedPart(value, 0, code);
        reason[..(value.Length - ErrorCodeCodec.FixedPart)].CopyTo(value[ErrorCodeCodec.FixedPart..]);
    }

    /// <summary>ADDRESS-ERROR-CODE (RFC 8656 section 18.12): which family could not be allocated, and why.</summary>
    public void WriteAddressErrorCode(StunAddressFamily family, StunErrorCode code)
    {
        var reason = code.ReasonPhrase();
        var value = AddAttribute(StunAttributeType.AddressErrorCode, ErrorCodeCodec.FixedPart + ReasonLength(reason));
        ErrorCodeCodec.EncodeFixedPart(value, (byte)family, (int)code);
        reason[..(value.Length - ErrorCodeCodec.FixedPart)].CopyTo(value[ErrorCodeCodec.FixedPart..]);
    }

    /// <summary>UNKNOWN-ATTRIBUTES: the comprehension-required types a 420 response refuses.</summary>
    public void WriteUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        var value = AddAttribute(StunAttributeType.UnknownAttributes, types.Length * sizeof(ushort));
        for (var i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], types[i]);
        }
    }

    public void WriteChannelNumber(ushort channelNumber) =>
        WriteUInt16AndReserved(StunAttributeType.ChannelNumber, channelNumber);

    public void WriteRequestedTransport(TransportProtocol protocol) =>
        WriteByteAndReserved(StunAttributeType.RequestedTransport, (byte)protocol);

    /// <summary>REQUESTED-ADDRESS-FAMILY or ADDITIONAL-ADDRESS-FAMILY.</summary>
    public void WriteAddressFamily(StunAttributeType type, StunAddressFamily family) =>
        WriteByteAndReserved(type, (byte)family);

    public void WriteEvenPort(bool reserveNextPort) =>
        AddAttribute(StunAttributeType.EvenPort, 1)[0] = reserveNextPort ? (byte)0x80 : (byte)0;

    public void WriteReservationToken(ulong token) =>
        BinaryPrimitives.WriteUInt64BigEndian(AddAttribute(StunAttributeType.ReservationToken, sizeof(ulong)), token);

    public void WriteIcmp(IcmpInfo icmp)
    {
        if (icmp.Type > IcmpInfo.MaxType || icmp.Code > IcmpInfo.MaxCode)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(icmp), "The ICMP attribute holds a 7-bit type and a 9-bit code.");
        }

        var value = AddAttribute(StunAttributeType.Icmp, 8);
        BinaryPrimitives.WriteUInt16BigEndian(value, 0);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)((icmp.Type << 9) | icmp.Code));
        BinaryPrimitives.WriteUInt32BigEndian(value[4..], icmp.ErrorData);
    }

    public void WriteChangeRequest(ChangeRequest flags) =>
        WriteUInt32(StunAttributeType.ChangeRequest, (uint)flags);

    public void WriteResponsePort(ushort port) => WriteUInt16AndReserved(StunAttributeType.ResponsePort, port);

    public void WritePasswordAlgorithm(PasswordAlgorithm algorithm) =>
        WritePasswordAlgorithmEntries(StunAttributeType.PasswordAlgorithm, [algorithm]);

    /// <summary>PASSWORD-ALGORITHMS: the server's offer, most preferred first, each without parameters.</summary>
    public void WritePasswordAlgorithms(scoped ReadOnlySpan<PasswordAlgorithm> algorithms) =>
        WritePasswordAlgorithmEntries(StunAttributeType.PasswordAlgorithms, algorithms);

    private void WritePasswordAlgorithmEntries(StunAttributeType type, scoped ReadOnlySpan<PasswordAlgorithm> algorithms)
    {
        var value = AddAttribute(type, algorithms.Length * 4);
        for (var i = 0; i < algorithms.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(4 * i)..], (ushort)algorithms[i]);
            BinaryPrimitives.WriteUInt16BigEndian(value[((4 * i) + 2)..], 0);
        }
    }

    private void WriteUInt16AndReserved(StunAttributeType type, ushort number)
    {
        var value = AddAttribute(type, 4);
        BinaryPrimitives.WriteUInt16BigEndian(value, number);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
    }

    private void WriteByteAndReserved(StunAttributeType type, byte number)
    {
        var value = AddAttribute(type, 4);
        value[0] = number;
        value[1..].Clear();
    }

    // Longer reason phrases are cut rather than refused: they come from our own code and config.
    private static int ReasonLength(ReadOnlySpan<byte> reason) => Math.Min(reason.Length, ErrorCodeCodec.MaxReasonLength);
}
