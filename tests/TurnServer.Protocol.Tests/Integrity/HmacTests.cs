using System.Security.Cryptography;
using System.Text;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Protocol.Tests.Integrity;

public class HmacTests
{
    public static TheoryData<bool> Backends => LibCryptoDigests.IsAvailable ? new() { false, true } : new() { false };

    [Fact]
    public void OnLinux_OpenSslsLowLevelDigestsAreFound()
    {
        // Without them every MESSAGE-INTEGRITY costs four times as much; say so rather than fall back quietly.
        Assert.True(LibCryptoDigests.IsAvailable || !OperatingSystem.IsLinux(), "libcrypto's SHA1_Init and SHA256_Init were not found");
    }

    // RFC 2202 (HMAC-SHA1) and RFC 4231 (HMAC-SHA256): a short key, a key shorter than the hash, and
    // a key longer than the block, which must be hashed first.
    [Theory]
    [InlineData(false, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00")]
    [InlineData(false, "4a656665", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")]
    [InlineData(false, "aa*80", "Test Using Larger Than Block-Size Key - Hash Key First", "aa4ae5e15272d00e95705637ce8a3b55ed402112")]
    [InlineData(true, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData(true, "4a656665", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(true, "aa*131", "Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")]
    public void Compute_MatchesTheRfcTestVectors_OnBothBackends(bool sha256, string keyHex, string data, string expectedHex)
    {
        var key = keyHex.StartsWith("aa*", StringComparison.Ordinal)
            ? Enumerable.Repeat((byte)0xaa, int.Parse(keyHex[3..], System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : Convert.FromHexString(keyHex);
        foreach (var useLibCrypto in Backends)
        {
            Assert.Equal(expectedHex, Convert.ToHexStringLower(Compute(sha256, key, Encoding.ASCII.GetBytes(data), useLibCrypto)));
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Compute_AgreesWithTheFrameworksHmac_ForEveryKeyLengthAroundTheBlock(bool useLibCrypto)
    {
        var random = new Random(7);
        foreach (var sha256 in new[] { false, true })
        {
            for (var keyLength = 0; keyLength <= 130; keyLength++)
            {
                var key = new byte[keyLength];
                var data = new byte[random.Next(0, 1500)];
                random.NextBytes(key);
                random.NextBytes(data);

                Assert.Equal(Reference(sha256, key, data), Compute(sha256, key, data, useLibCrypto));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Compute_WithAnEmptyKeyOrEmptyData_AgreesWithTheFrameworksHmac(bool useLibCrypto)
    {
        byte[] empty = [];
        var some = RandomNumberGenerator.GetBytes(50);
        foreach (var sha256 in new[] { false, true })
        {
            Assert.Equal(Reference(sha256, empty, some), Compute(sha256, empty, some, useLibCrypto));
            Assert.Equal(Reference(sha256, some, empty), Compute(sha256, some, empty, useLibCrypto));
            Assert.Equal(Reference(sha256, empty, empty), Compute(sha256, empty, empty, useLibCrypto));
        }
    }

    [Fact]
    public void PublicEntryPoints_WriteTheHmacAtTheStartOfALargerBuffer_AndRefuseAShortOne()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var data = RandomNumberGenerator.GetBytes(100);
        var mac = new byte[40];

        Hmac.Sha1(key, data, mac);
        Assert.Equal(Reference(false, key, data), mac[..20]);
        Hmac.Sha256(key, data, mac);
        Assert.Equal(Reference(true, key, data), mac[..32]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Hmac.Sha256(key, data, new byte[20]));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Compute_InterleavingAlgorithmsAndKeysOnOneThread_KeepsEachResultItsOwn(bool useLibCrypto)
    {
        var first = RandomNumberGenerator.GetBytes(16);
        var second = RandomNumberGenerator.GetBytes(32);
        var data = RandomNumberGenerator.GetBytes(200);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Reference(false, first, data), Compute(false, first, data, useLibCrypto));
            Assert.Equal(Reference(true, second, data), Compute(true, second, data, useLibCrypto));
            Assert.Equal(Reference(false, second, data), Compute(false, second, data, useLibCrypto));
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Compute_FromManyThreadsAtOnce_GivesEveryCallerItsOwnMac(bool useLibCrypto)
    {
        var failures = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 16 }, worker =>
        {
            var key = RandomNumberGenerator.GetBytes(16 + (worker % 3));
            for (var i = 0; i < 200; i++)
            {
                var data = RandomNumberGenerator.GetBytes(20 + i);
                if (!Reference(worker % 2 == 0, key, data).SequenceEqual(Compute(worker % 2 == 0, key, data, useLibCrypto)))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }

    private static byte[] Compute(bool sha256, byte[] key, byte[] data, bool useLibCrypto)
    {
        var mac = new byte[sha256 ? 32 : 20];
        Hmac.Compute(sha256, key, data, mac, useLibCrypto);
        return mac;
    }

#pragma warning disable CA5350 // the reference for MESSAGE-INTEGRITY's HMAC-SHA1
    private static byte[] Reference(bool sha256, byte[] key, byte[] data) =>
        sha256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);
#pragma warning restore CA5350
}
