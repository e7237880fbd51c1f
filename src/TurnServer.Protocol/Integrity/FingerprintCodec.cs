namespace TurnServer.Protocol.Integrity;

/// <summary>FINGERPRINT (RFC 8489 section 14.7): CRC-32 of everything before it, XOR 0x5354554E.</summary>
internal static class FingerprintCodec
{
    public const int Length = 4;
    private const uint XorValue = 0x5354554E;

    /// <param name="precedingBytes">The message up to the FINGERPRINT attribute, with the header length already counting it.</param>
    public static uint Compute(ReadOnlySpan<byte> precedingBytes) => System.IO.Hashing.Crc32.HashToUInt32(precedingBytes) ^ XorValue;
}
