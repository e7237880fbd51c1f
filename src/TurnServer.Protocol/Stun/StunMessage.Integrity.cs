using System.Buffers.Binary;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Protocol.Stun;

public readonly ref partial struct StunMessage
{
    /// <summary>True when MESSAGE-INTEGRITY is present and its HMAC-SHA1 under <paramref name="key"/> matches.</summary>
    /// <param name="key">The long-term key (see <see cref="LongTermCredentials"/>) or the short-term password.</param>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key) =>
        HasMessageIntegrity && MessageIntegrityCodec.Verify(sha256: false, _bytes, _integrityOffset, key);

    /// <summary>True when MESSAGE-INTEGRITY-SHA256 is present and its (possibly truncated) HMAC-SHA256 matches.</summary>
    public bool VerifyMessageIntegritySha256(ReadOnlySpan<byte> key) =>
        HasMessageIntegritySha256 && MessageIntegrityCodec.Verify(sha256: true, _bytes, _integritySha256Offset, key);

    /// <summary>True when FINGERPRINT is present and matches the CRC of the bytes before it.</summary>
    public bool VerifyFingerprint()
    {
        if (!HasFingerprint)
        {
            return false;
        }

        var expected = BinaryPrimitives.ReadUInt32BigEndian(_bytes[(_fingerprintOffset + StunConstants.AttributeHeaderLength)..]);
        return FingerprintCodec.Compute(_bytes[.._fingerprintOffset]) == expected;
    }
}
