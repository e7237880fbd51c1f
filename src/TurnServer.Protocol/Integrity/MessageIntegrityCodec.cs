using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Integrity;

/// <summary>
/// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 section 14.5) and MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256,
/// section 14.6). The HMAC covers the message up to the attribute, with the header's length field
/// rewritten to end at the attribute, as if nothing followed it.
/// </summary>
internal static class MessageIntegrityCodec
{
    public const int Sha1Length = 20;
    public const int Sha256Length = 32;
    public const int MinSha256Length = 16;

    // A UDP message fits; larger ones (TCP frames) borrow from the pool.
    private const int StackScratchLength = 1536;

    public static bool IsValidSha256Length(int length) =>
        length is >= MinSha256Length and <= Sha256Length && (length & 3) == 0;

    /// <summary>Computes the HMAC over a prefix whose header length field is already rewritten.</summary>
    public static void Compute(bool sha256, ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix, Span<byte> mac) =>
        Hmac.Compute(sha256, key, prefix, mac, LibCryptoDigests.IsAvailable);

    /// <summary>
    /// Checks the integrity attribute whose header sits at <paramref name="attributeOffset"/>. The input
    /// is read-only, so the prefix is copied to scratch memory to rewrite its length field.
    /// </summary>
    public static bool Verify(bool sha256, ReadOnlySpan<byte> message, int attributeOffset, ReadOnlySpan<byte> key)
    {
        int macLength = BinaryPrimitives.ReadUInt16BigEndian(message[(attributeOffset + 2)..]);
        var received = message.Slice(attributeOffset + StunConstants.AttributeHeaderLength, macLength);

        byte[]? rented = null;
        var scratch = attributeOffset <= StackScratchLength
            ? stackalloc byte[StackScratchLength]
            : (rented = ArrayPool<byte>.Shared.Rent(attributeOffset));
        try
        {
            var prefix = scratch[..attributeOffset];
            message[..attributeOffset].CopyTo(prefix);
            var coveredLength = attributeOffset + StunConstants.AttributeHeaderLength + macLength - StunConstants.HeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(prefix[2..], (ushort)coveredLength);

            Span<byte> computed = stackalloc byte[Sha256Length];
            Compute(sha256, key, prefix, computed);
            return CryptographicOperations.FixedTimeEquals(computed[..macLength], received);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
