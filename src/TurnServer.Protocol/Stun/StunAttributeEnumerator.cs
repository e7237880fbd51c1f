using System.Buffers.Binary;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Protocol.Stun;

/// <summary>One attribute of a message: its type and its value without padding.</summary>
public readonly ref struct StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
{
    public StunAttributeType Type { get; } = type;

    public ReadOnlySpan<byte> Value { get; } = value;
}

/// <summary>
/// Walks the attributes of a message that <see cref="StunMessage.Read"/> has validated, skipping
/// those RFC 8489 says to ignore after an integrity attribute.
/// </summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _ignoredFrom;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;
    private int _next;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> message, int ignoredFrom, int integritySha256Offset, int fingerprintOffset)
    {
        _message = message;
        _ignoredFrom = ignoredFrom;
        _integritySha256Offset = integritySha256Offset;
        _fingerprintOffset = fingerprintOffset;
        _next = StunConstants.HeaderLength;
        Current = default;
    }

    public StunAttribute Current { get; private set; }

    public readonly StunAttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_next < _message.Length)
        {
            var offset = _next;
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_message[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(offset + 2)..]);
            var valueStart = offset + StunConstants.AttributeHeaderLength;
            _next = valueStart + StunConstants.Pad(length);
            if (offset < _ignoredFrom || offset == _integritySha256Offset || offset == _fingerprintOffset)
            {
                Current = new StunAttribute(type, _message.Slice(valueStart, length));
                return true;
            }
        }

        return false;
    }
}
