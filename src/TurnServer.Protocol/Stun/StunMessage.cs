using System.Buffers.Binary;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Protocol.Stun;

/// <summary>
/// A validated view over one STUN message in a caller's buffer, in the manner of
/// <c>Utf8JsonReader</c>: nothing is copied, attribute values are slices of the input, and malformed
/// input comes back as a <see cref="StunReadStatus"/>, never as an exception.
/// </summary>
public readonly ref partial struct StunMessage
{
    private const int NotPresent = -1;

    private readonly ReadOnlySpan<byte> _bytes;

    // Offsets of the attribute headers the integrity checks need, found while validating.
    private readonly int _integrityOffset;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> bytes, StunMessageType type, int integrityOffset, int integritySha256Offset, int fingerprintOffset)
    {
        _bytes = bytes;
        Type = type;
        _integrityOffset = integrityOffset;
        _integritySha256Offset = integritySha256Offset;
        _fingerprintOffset = fingerprintOffset;
    }

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public int Length => _bytes.Length;

    public StunMessageType Type { get; }

    public StunMethod Method => Type.Method;

    public StunClass Class => Type.Class;

    /// <summary>The 32 bits after the length: the magic cookie, or part of an RFC 3489 transaction id.</summary>
    public uint Cookie => BinaryPrimitives.ReadUInt32BigEndian(_bytes[4..]);

    /// <summary>A classic RFC 3489 message: no magic cookie, so no XOR-MAPPED-ADDRESS in the answer.</summary>
    public bool IsRfc3489 => Cookie != StunConstants.MagicCookie;

    public TransactionId TransactionId => TransactionId.Read(_bytes[8..]);

    public bool HasMessageIntegrity => _integrityOffset != NotPresent;

    public bool HasMessageIntegritySha256 => _integritySha256Offset != NotPresent;

    public bool HasFingerprint => _fingerprintOffset != NotPresent;

    /// <summary>
    /// The attributes that count, in order: those before the first integrity attribute, the integrity
    /// attributes and FINGERPRINT. Whatever else follows an integrity attribute is skipped, as RFC 8489
    /// says, so no reader can honour an attribute the integrity does not cover.
    /// </summary>
    public StunAttributeEnumerator Attributes => new(_bytes, IgnoredFrom, _integritySha256Offset, _fingerprintOffset);

    // The end of the first integrity attribute: later attributes are ignored but for the exceptions.
    private int IgnoredFrom
    {
        get
        {
            var first = _integrityOffset != NotPresent ? _integrityOffset : _integritySha256Offset;
            return first == NotPresent ? _bytes.Length : first + StunConstants.AttributeHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(_bytes[(first + 2)..]);
        }
    }

    /// <summary>Validates the header and every attribute's framing; does not check integrity or fingerprint.</summary>
    /// <param name="input">Exactly one message: a UDP datagram or a frame cut by <c>StunStreamFramer</c>.</param>
    public static StunReadStatus Read(ReadOnlySpan<byte> input, out StunMessage message)
    {
        message = default;
        if (input.Length < StunConstants.HeaderLength)
        {
            return StunReadStatus.TruncatedHeader;
        }

        if ((input[0] & 0xC0) != 0)
        {
            return StunReadStatus.NotStun;
        }

        int bodyLength = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        if ((bodyLength & 3) != 0)
        {
            return StunReadStatus.LengthNotMultipleOfFour;
        }

        var total = StunConstants.HeaderLength + bodyLength;
        if (total > input.Length)
        {
            return StunReadStatus.LengthPastEnd;
        }

        if (total < input.Length)
        {
            return StunReadStatus.TrailingBytes;
        }

        var type = StunMessageType.Decode(BinaryPrimitives.ReadUInt16BigEndian(input));
        var cookie = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
        if (cookie != StunConstants.MagicCookie && type.Method != StunMethod.Binding)
        {
            return StunReadStatus.WrongMagicCookie;
        }

        var status = ValidateAttributes(input, out var integrity, out var integritySha256, out var fingerprint);
        if (status == StunReadStatus.Ok)
        {
            message = new StunMessage(input, type, integrity, integritySha256, fingerprint);
        }

        return status;
    }

    /// <summary>
    /// Checks every attribute's framing and finds the integrity attributes. RFC 8489 sections 14.5
    /// and 14.6: what follows MESSAGE-INTEGRITY is ignored, except MESSAGE-INTEGRITY-SHA256 and
    /// FINGERPRINT, and what follows MESSAGE-INTEGRITY-SHA256 except FINGERPRINT; ignored attributes
    /// are framed like any other but never read. Section 14: an attribute may repeat and only its
    /// first occurrence counts, so repeats are not an error either.
    /// </summary>
    private static StunReadStatus ValidateAttributes(ReadOnlySpan<byte> message, out int integrity, out int integritySha256, out int fingerprint)
    {
        integrity = integritySha256 = fingerprint = NotPresent;
        var offset = StunConstants.HeaderLength;

        // The body length is a multiple of 4 and attributes start on 4-byte boundaries, so every
        // remaining run is at least one attribute header long.
        while (offset < message.Length)
        {
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            if (offset + StunConstants.AttributeHeaderLength + length > message.Length)
            {
                return StunReadStatus.AttributePastEnd;
            }

            if (fingerprint != NotPresent)
            {
                return StunReadStatus.AttributeAfterFingerprint;
            }

            switch (type)
            {
                case StunAttributeType.MessageIntegrity when integrity == NotPresent && integritySha256 == NotPresent:
                    if (length != MessageIntegrityCodec.Sha1Length)
                    {
                        return StunReadStatus.InvalidIntegrityLength;
                    }

                    integrity = offset;
                    break;
                case StunAttributeType.MessageIntegritySha256 when integritySha256 == NotPresent:
                    if (!MessageIntegrityCodec.IsValidSha256Length(length))
                    {
                        return StunReadStatus.InvalidIntegrityLength;
                    }

                    integritySha256 = offset;
                    break;
                case StunAttributeType.Fingerprint:
                    if (length != FingerprintCodec.Length)
                    {
                        return StunReadStatus.InvalidFingerprintLength;
                    }

                    fingerprint = offset;
                    break;
            }

            offset += StunConstants.AttributeHeaderLength + StunConstants.Pad(length);
        }

        return StunReadStatus.Ok;
    }

    /// <summary>The value of the first attribute of a type.</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                value = attribute.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public bool HasAttribute(StunAttributeType type) => TryGetAttribute(type, out _);
}
