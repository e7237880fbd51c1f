using System.Buffers.Binary;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Protocol.Stun;

/// <summary>
/// Writes one STUN message into a caller's buffer: the header first, then attributes in order, keeping
/// the header's length field current so MESSAGE-INTEGRITY and FINGERPRINT can be computed in place.
/// A buffer too small for what is written is a programming error and throws.
/// </summary>
public ref partial struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private Stage _stage;

    public StunMessageWriter(Span<byte> buffer, StunMessageType type, TransactionId transactionId)
        : this(buffer, type, transactionId, StunConstants.MagicCookie)
    {
    }

    /// <param name="cookie">
    /// The magic cookie; a reply to an RFC 3489 client echoes the request's value instead, since for
    /// such a client those 32 bits are part of its 128-bit transaction id.
    /// </param>
    public StunMessageWriter(Span<byte> buffer, StunMessageType type, TransactionId transactionId, uint cookie)
    {
        if (buffer.Length < StunConstants.HeaderLength)
        {
            ThrowHelper.ThrowDestinationTooSmall();
        }

        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, type.Value);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], cookie);
        transactionId.CopyTo(buffer[8..]);
        _length = StunConstants.HeaderLength;
        _stage = Stage.Attributes;
    }

    private enum Stage
    {
        Attributes,
        AfterIntegrity,
        AfterIntegritySha256,
        AfterFingerprint,
    }

    public readonly int Length => _length;

    /// <summary>The message written so far, header length included.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>The 16 header bytes that XOR-ed addresses are masked with.</summary>
    private readonly ReadOnlySpan<byte> XorKey => AddressCodec.XorKey(_buffer);

    /// <summary>
    /// Appends an attribute header and returns the value's bytes for the caller to fill; the padding
    /// after them is zeroed.
    /// </summary>
    public Span<byte> AddAttribute(StunAttributeType type, int valueLength)
    {
        if (_stage != Stage.Attributes)
        {
            ThrowHelper.ThrowInvalidOperation("Only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow MESSAGE-INTEGRITY, and nothing FINGERPRINT.");
        }

        return Append(type, valueLength);
    }

    public void WriteAttribute(StunAttributeType type, scoped ReadOnlySpan<byte> value) =>
        value.CopyTo(AddAttribute(type, value.Length));

    /// <summary>A text attribute (USERNAME, REALM, NONCE, SOFTWARE...) encoded as UTF-8.</summary>
    public void WriteUtf8(StunAttributeType type, scoped ReadOnlySpan<char> text) =>
        Encoding.UTF8.GetBytes(text, AddAttribute(type, Encoding.UTF8.GetByteCount(text)));

    /// <summary>Appends MESSAGE-INTEGRITY: HMAC-SHA1 under the key of everything written so far.</summary>
    public void WriteMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        if (_stage != Stage.Attributes)
        {
            ThrowHelper.ThrowInvalidOperation("MESSAGE-INTEGRITY must come before MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, once.");
        }

        WriteIntegrity(sha256: false, key, MessageIntegrityCodec.Sha1Length);
        _stage = Stage.AfterIntegrity;
    }

    /// <summary>Appends MESSAGE-INTEGRITY-SHA256, optionally truncated to 16-28 bytes (a multiple of 4).</summary>
    public void WriteMessageIntegritySha256(scoped ReadOnlySpan<byte> key, int length = MessageIntegrityCodec.Sha256Length)
    {
        if (_stage is not (Stage.Attributes or Stage.AfterIntegrity))
        {
            ThrowHelper.ThrowInvalidOperation("MESSAGE-INTEGRITY-SHA256 must come before FINGERPRINT, once.");
        }

        if (!MessageIntegrityCodec.IsValidSha256Length(length))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(length), "MESSAGE-INTEGRITY-SHA256 is 16 to 32 bytes, a multiple of 4.");
        }

        WriteIntegrity(sha256: true, key, length);
        _stage = Stage.AfterIntegritySha256;
    }

    /// <summary>Appends FINGERPRINT; nothing can be written after it.</summary>
    public void WriteFingerprint()
    {
        if (_stage == Stage.AfterFingerprint)
        {
            ThrowHelper.ThrowInvalidOperation("FINGERPRINT is written once, last.");
        }

        var start = _length;
        var value = Append(StunAttributeType.Fingerprint, FingerprintCodec.Length);
        BinaryPrimitives.WriteUInt32BigEndian(value, FingerprintCodec.Compute(_buffer[..start]));
        _stage = Stage.AfterFingerprint;
    }

    private void WriteIntegrity(bool sha256, scoped ReadOnlySpan<byte> key, int macLength)
    {
        var start = _length;
        var value = Append(sha256 ? StunAttributeType.MessageIntegritySha256 : StunAttributeType.MessageIntegrity, macLength);
        Span<byte> mac = stackalloc byte[MessageIntegrityCodec.Sha256Length];
        MessageIntegrityCodec.Compute(sha256, key, _buffer[..start], mac);
        mac[..macLength].CopyTo(value);
    }

    // Writes the attribute header, zeroes the padding and moves the header's length past the attribute.
    private Span<byte> Append(StunAttributeType type, int valueLength)
    {
        var padded = StunConstants.Pad(valueLength);
        var end = _length + StunConstants.AttributeHeaderLength + padded;
        if (valueLength > ushort.MaxValue || end - StunConstants.HeaderLength > StunConstants.MaxBodyLength || end > _buffer.Length)
        {
            ThrowHelper.ThrowDestinationTooSmall();
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)valueLength);
        var valueStart = _length + StunConstants.AttributeHeaderLength;
        _buffer[(valueStart + valueLength)..end].Clear();
        _length = end;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(end - StunConstants.HeaderLength));
        return _buffer.Slice(valueStart, valueLength);
    }
}
