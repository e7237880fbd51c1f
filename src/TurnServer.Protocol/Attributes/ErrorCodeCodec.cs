using System.Buffers.Binary;

namespace TurnServer.Protocol.Attributes;

/// <summary>
/// The class-and-number encoding of ERROR-CODE (RFC 8489 section 14.8) that ADDRESS-ERROR-CODE
/// (RFC 8656 section 18.12) shares: hundreds in 3 bits of the third byte, the rest in the fourth.
/// </summary>
internal static class ErrorCodeCodec
{
    public const int MinCode = 300;
    public const int MaxCode = 699;

    /// <summary>RFC 8489 limits reason phrases to 127 characters, at most 763 bytes of UTF-8.</summary>
    public const int MaxReasonLength = 763;

    public const int FixedPart = 4;

    public static bool TryDecode(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < FixedPart)
        {
            return false;
        }

        var errorClass = value[2] & 0x07;
        var number = value[3];
        if (errorClass is < 3 or > 6 || number > 99)
        {
            return false;
        }

        code = (errorClass * 100) + number;
        reason = value[FixedPart..];
        return true;
    }

    /// <summary>Writes the 4 fixed bytes; the caller puts the reason phrase after them.</summary>
    public static void EncodeFixedPart(Span<byte> destination, byte firstByte, int code)
    {
        if (code is < MinCode or > MaxCode)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(code), "STUN error codes run from 300 to 699.");
        }

        destination[0] = firstByte;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(((code / 100) << 8) | (code % 100)));
    }
}
