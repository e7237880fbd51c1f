using System.Buffers.Binary;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Tests.Stun;

/// <summary>
/// Builds raw messages byte by byte, independent of <see cref="StunMessageWriter"/>, so tests can make
/// the malformed ones a writer refuses to produce.
/// </summary>
internal sealed class MessageBuilder(ushort type = 0x0001, uint cookie = StunConstants.MagicCookie)
{
    private readonly List<byte> _body = [];

    public static readonly byte[] TransactionIdBytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    public MessageBuilder Attribute(ushort attributeType, byte[] value, int? declaredLength = null, bool pad = true)
    {
        _body.AddRange([(byte)(attributeType >> 8), (byte)attributeType]);
        var length = declaredLength ?? value.Length;
        _body.AddRange([(byte)(length >> 8), (byte)length]);
        _body.AddRange(value);
        if (pad)
        {
            _body.AddRange(new byte[StunConstants.Pad(value.Length) - value.Length]);
        }

        return this;
    }

    public byte[] Build(int? declaredLength = null)
    {
        var bytes = new byte[StunConstants.HeaderLength + _body.Count];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, type);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(declaredLength ?? _body.Count));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), cookie);
        TransactionIdBytes.CopyTo(bytes, 8);
        _body.CopyTo(bytes, StunConstants.HeaderLength);
        return bytes;
    }
}
