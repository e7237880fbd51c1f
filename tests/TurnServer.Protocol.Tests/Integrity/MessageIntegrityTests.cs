using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Integrity;

public class MessageIntegrityTests
{
    // Built and signed outside .NET (Python's hashlib, hmac and zlib): an Allocate request with USERHASH,
    // NONCE, REALM, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, for user "user",
    // realm "example.org", password "pass".
    private const string Sha256SignedAllocate =
        "0003008c2112a44278ad3433c6ad72c029da412e001e0020cf9fa894dfc9b7680968aec1efb3a6b8b2a1cac25c0461cab3b0c2f87c25eeaf" +
        "001500206f624d61744a6f73326741414161646c3757375065445534684b4537326a6461" +
        "0014000b6578616d706c652e6f726700001d000400020000" +
        "001c002090e51641fed89979b857c3028f8b8dbd1cc32c8abe5a4a78c60d5e6d5670ce86" +
        "8028000431c8678e";

    private static readonly TransactionId Id = TransactionId.NewRandom();

    [Fact]
    public void DeriveKey_Sha256_MatchesAnIndependentComputation()
    {
        var key = new byte[32];
        Assert.Equal(32, LongTermCredentials.DeriveKey(PasswordAlgorithm.Sha256, "user", "example.org", "pass", key));
        Assert.Equal("2eab843d62723b5549ca4dde2641a8c07ba67a3c7df8919c8da81ee206a4b907", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void DeriveKey_Md5_MatchesAnIndependentComputation()
    {
        var key = new byte[16];
        Assert.Equal(16, LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, "user", "example.org", "pass", key));
        Assert.Equal("abca35356f4b00fbc33e2d8c2c43b9d6", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void DeriveKey_WithAnEmptyPassword_StillJoinsThreeParts()
    {
        var empty = new byte[16];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, "user"u8, "example.org"u8, ""u8, empty);
        Assert.Equal(System.Security.Cryptography.MD5.HashData("user:example.org:"u8), empty);
    }

    [Fact]
    public void ComputeUserhash_MatchesAnIndependentComputation()
    {
        var hash = new byte[32];
        LongTermCredentials.ComputeUserhash("user"u8, "example.org"u8, hash);
        Assert.Equal("cf9fa894dfc9b7680968aec1efb3a6b8b2a1cac25c0461cab3b0c2f87c25eeaf", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void VerifySha256_AcceptsAMessageSignedElsewhere_AndTheWriterReproducesIt()
    {
        var bytes = Hex.Parse(Sha256SignedAllocate);
        var key = Sha256Key();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.VerifyMessageIntegritySha256(key));
        Assert.True(message.VerifyFingerprint());
        Assert.False(message.HasMessageIntegrity);

        var userhash = new byte[32];
        LongTermCredentials.ComputeUserhash("user"u8, "example.org"u8, userhash);
        var writer = new StunMessageWriter(new byte[256], new StunMessageType(StunMethod.Allocate, StunClass.Request), message.TransactionId);
        writer.WriteAttribute(StunAttributeType.Userhash, userhash);
        writer.WriteUtf8(StunAttributeType.Nonce, "obMatJos2gAAAadl7W7PeDU4hKE72jda");
        writer.WriteUtf8(StunAttributeType.Realm, "example.org");
        writer.WritePasswordAlgorithm(PasswordAlgorithm.Sha256);
        writer.WriteMessageIntegritySha256(key);
        writer.WriteFingerprint();
        Assert.Equal(bytes, writer.Written.ToArray());
    }

    [Fact]
    public void Verify_FailsWhenAnyCoveredByteChanges()
    {
        var key = "secret"u8.ToArray();
        var bytes = SignedMessage(key);
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var original));
        var integrityOffset = bytes.Length - 8 - 24;
        Assert.True(original.VerifyMessageIntegrity(key));

        for (var i = 0; i < integrityOffset; i++)
        {
            if (i is 2 or 3)
            {
                continue; // the length field: changing it breaks the framing before integrity is checked
            }

            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            if (StunMessage.Read(tampered, out var message) == StunReadStatus.Ok)
            {
                Assert.False(message.VerifyMessageIntegrity(key), $"a change at byte {i} went unnoticed");
                Assert.False(message.VerifyFingerprint(), $"a change at byte {i} kept the fingerprint");
            }
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    [InlineData(28)]
    [InlineData(32)]
    public void Sha256_MayBeTruncated(int length)
    {
        var key = "secret"u8.ToArray();
        var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, Id);
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteMessageIntegritySha256(key, length);
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(writer.Written, out var message));
        Assert.True(message.TryGetAttribute(StunAttributeType.MessageIntegritySha256, out var mac));
        Assert.Equal(length, mac.Length);
        Assert.True(message.VerifyMessageIntegritySha256(key));
        Assert.False(message.VerifyMessageIntegritySha256("Secret"u8));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(5000)] // larger than a UDP datagram: verification borrows pooled scratch memory
    public void IntegrityAndSha256_EachCoverWhatPrecedesThem(int dataLength)
    {
        var key = "secret"u8.ToArray();
        var writer = new StunMessageWriter(new byte[8192], new StunMessageType(StunMethod.Send, StunClass.Indication), Id);
        writer.WriteAttribute(StunAttributeType.Data, new byte[dataLength]);
        writer.WriteMessageIntegrity(key);
        writer.WriteMessageIntegritySha256(key);
        writer.WriteFingerprint();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(writer.Written, out var message));
        Assert.True(message.VerifyMessageIntegrity(key));
        Assert.True(message.VerifyMessageIntegritySha256(key));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void Writer_RefusesAttributesAfterIntegrityOrFingerprint()
    {
        var key = "k"u8.ToArray();
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, Id);
            writer.WriteMessageIntegrity(key);
            writer.WriteUtf8(StunAttributeType.Software, "late");
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, Id);
            writer.WriteMessageIntegritySha256(key);
            writer.WriteMessageIntegrity(key);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, Id);
            writer.WriteFingerprint();
            writer.WriteFingerprint();
        });
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, Id);
            writer.WriteMessageIntegritySha256(key, 18);
        });
    }

    private static byte[] SignedMessage(byte[] key)
    {
        var writer = new StunMessageWriter(new byte[256], new StunMessageType(StunMethod.Allocate, StunClass.Request), Id);
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteUtf8(StunAttributeType.Realm, "example.org");
        writer.WriteUtf8(StunAttributeType.Nonce, "nonce-value");
        writer.WriteMessageIntegrity(key);
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    private static byte[] Sha256Key()
    {
        var key = new byte[32];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Sha256, "user", "example.org", "pass", key);
        return key;
    }
}
