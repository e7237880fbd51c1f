using System.Buffers.Binary;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Protocol.Stun;

/// <summary>One attribute of a message: its type and its value without padding.</summary>
public readonly ref struct StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
{
    public StunAttributeType Type { get; } = type;

    public ReadOnlySpan<byte> Value { get; } = value;
}

/// <summary>Walks the attributes of a message that <see cref="StunMessage.Read"/> has validated.</summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _body;
    private int _next;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> body)
    {
        _body = body;
        _next = 0;
        Current = default;
    }

    public StunAttribute Current { get; private set; }

    public readonly StunAttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_next >= _body.Length)
        {
            return false;
        }

        var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_body[_next..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(_body[(_next + 2)..]);
        var valueStart = _next + StunConstants.AttributeHeaderLength;
        Current = new StunAttribute(type, _body.Slice(valueStart, length));
        _next = valueStart + StunConstants.Pad(length);
        return true;
    }
}
