using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Stun;

/// <summary>RFC 5769: every vector is read, verified, and written again byte for byte.</summary>
public class Rfc5769VectorTests
{
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes(Rfc5769Vectors.ShortTermPassword);
    private static readonly TransactionId VectorTransactionId = TransactionId.Read(Hex.Parse("b7e7a701bc34d686fa87dfae"));

    [Fact]
    public void Request_ReadsAttributesAndVerifiesIntegrityAndFingerprint()
    {
        var bytes = Rfc5769Vectors.Request;
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));

        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(VectorTransactionId, message.TransactionId);
        Assert.False(message.IsRfc3489);
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var username));
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(username));
        Assert.True(message.TryGetUInt32(StunAttributeType.Priority, out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetAttribute(StunAttributeType.IceControlled, out var tieBreaker));
        Assert.Equal(Hex.Parse("932ff9b151263b36"), tieBreaker.ToArray());

        Assert.True(message.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(message.VerifyFingerprint());
        Assert.False(message.VerifyMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBT"u8));
    }

    [Fact]
    public void Request_WrittenAgain_IsByteForByteTheVector()
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, VectorTransactionId);
        writer.WriteUtf8(StunAttributeType.Software, "STUN test client");
        writer.WriteUInt32(StunAttributeType.Priority, 0x6e0001ff);
        writer.WriteAttribute(StunAttributeType.IceControlled, Hex.Parse("932ff9b151263b36"));
        writer.WriteUtf8(StunAttributeType.Username, "evtj:h6vY");
        PadWithSpaces(buffer, writer.Length, padding: 3);
        writer.WriteMessageIntegrity(ShortTermKey);
        writer.WriteFingerprint();

        Assert.Equal(Rfc5769Vectors.Request, writer.Written.ToArray());
    }

    [Fact]
    public void IPv4Response_ReadsXorMappedAddressAndVerifies()
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(Rfc5769Vectors.IPv4Response, out var message));

        Assert.Equal(StunMessageType.BindingSuccess, message.Type);
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(TransportAddress.Parse("192.0.2.1:32853"), mapped);
        Assert.True(message.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void IPv6Response_ReadsXorMappedAddressAndVerifies()
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(Rfc5769Vectors.IPv6Response, out var message));

        Assert.True(message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(TransportAddress.Parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"), mapped);
        Assert.True(message.VerifyMessageIntegrity(ShortTermKey));
        Assert.True(message.VerifyFingerprint());
    }

    [Theory]
    [InlineData("192.0.2.1:32853")]
    [InlineData("[2001:db8:1234:5678:11:2233:4455:6677]:32853")]
    public void Responses_WrittenAgain_AreByteForByteTheVectors(string mappedAddress)
    {
        var expected = mappedAddress.StartsWith('[') ? Rfc5769Vectors.IPv6Response : Rfc5769Vectors.IPv4Response;
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, VectorTransactionId);
        writer.WriteUtf8(StunAttributeType.Software, "test vector");
        PadWithSpaces(buffer, writer.Length, padding: 1);
        writer.WriteXorAddress(StunAttributeType.XorMappedAddress, TransportAddress.Parse(mappedAddress));
        writer.WriteMessageIntegrity(ShortTermKey);
        writer.WriteFingerprint();

        Assert.Equal(expected, writer.Written.ToArray());
    }

    [Fact]
    public void LongTermRequest_VerifiesWithTheMd5KeyOfUserRealmAndPassword()
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(Rfc5769Vectors.LongTermRequest, out var message));

        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var username));
        Assert.Equal(Rfc5769Vectors.LongTermUsername, Encoding.UTF8.GetString(username));
        Assert.True(message.TryGetAttribute(StunAttributeType.Realm, out var realm));
        Assert.Equal(Rfc5769Vectors.LongTermRealm, Encoding.UTF8.GetString(realm));
        Assert.True(message.TryGetAttribute(StunAttributeType.Nonce, out var nonce));
        Assert.Equal(Rfc5769Vectors.LongTermNonce, Encoding.UTF8.GetString(nonce));
        Assert.False(message.HasFingerprint);

        var key = LongTermKey(PasswordAlgorithm.Md5);
        Assert.True(message.VerifyMessageIntegrity(key));
        key[0] ^= 1;
        Assert.False(message.VerifyMessageIntegrity(key));
    }

    [Fact]
    public void LongTermRequest_WrittenAgain_IsByteForByteTheVector()
    {
        var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, TransactionId.Read(Hex.Parse("78ad3433c6ad72c029da412e")));
        writer.WriteUtf8(StunAttributeType.Username, Rfc5769Vectors.LongTermUsername);
        writer.WriteUtf8(StunAttributeType.Nonce, Rfc5769Vectors.LongTermNonce);
        writer.WriteUtf8(StunAttributeType.Realm, Rfc5769Vectors.LongTermRealm);
        writer.WriteMessageIntegrity(LongTermKey(PasswordAlgorithm.Md5));

        Assert.Equal(Rfc5769Vectors.LongTermRequest, writer.Written.ToArray());
    }

    private static byte[] LongTermKey(PasswordAlgorithm algorithm)
    {
        var key = new byte[LongTermCredentials.KeyLength(algorithm)];
        LongTermCredentials.DeriveKey(algorithm, Rfc5769Vectors.LongTermUsername, Rfc5769Vectors.LongTermRealm, Rfc5769Vectors.LongTermPassword, key);
        return key;
    }

    // The RFC pads text attributes with spaces, which a receiver must accept; our writer pads with zeros.
    private static void PadWithSpaces(byte[] buffer, int end, int padding) => buffer.AsSpan(end - padding, padding).Fill((byte)' ');
}
