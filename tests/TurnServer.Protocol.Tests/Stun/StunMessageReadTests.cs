using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Stun;

/// <summary>Malformed input is reported with the right status, never thrown, never accepted.</summary>
public class StunMessageReadTests
{
    private const ushort Username = (ushort)StunAttributeType.Username;
    private const ushort Integrity = (ushort)StunAttributeType.MessageIntegrity;
    private const ushort IntegritySha256 = (ushort)StunAttributeType.MessageIntegritySha256;
    private const ushort Fingerprint = (ushort)StunAttributeType.Fingerprint;

    public static TheoryData<byte[]> ValidMessages()
    {
        var data = new TheoryData<byte[]>();
        foreach (var vector in Rfc5769Vectors.All)
        {
            data.Add(vector);
        }

        data.Add(new MessageBuilder().Build());
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void Read_RejectsEveryTruncation(byte[] message)
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(message, out _));
        for (var length = 0; length < message.Length; length++)
        {
            var status = StunMessage.Read(message.AsSpan(0, length), out _);
            Assert.True(status != StunReadStatus.Ok, $"a truncation to {length} of {message.Length} bytes was accepted");
            Assert.Equal(length < StunConstants.HeaderLength ? StunReadStatus.TruncatedHeader : StunReadStatus.LengthPastEnd, status);
        }
    }

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void Read_RejectsBytesPastTheDeclaredLength(byte[] message)
    {
        var longer = message.Concat(new byte[] { 0, 0, 0, 0 }).ToArray();
        Assert.Equal(StunReadStatus.TrailingBytes, StunMessage.Read(longer, out _));
    }

    [Fact]
    public void Read_EmptyBindingRequest_IsValid()
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(new MessageBuilder().Build(), out var message));
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(TransactionId.Read(MessageBuilder.TransactionIdBytes), message.TransactionId);
        Assert.False(message.Attributes.MoveNext());
    }

    [Theory]
    [InlineData(0x40)] // ChannelData
    [InlineData(0x80)] // RTP/RTCP
    [InlineData(0xC0)]
    public void Read_ReportsNotStun_WhenTheLeadingBitsAreSet(byte first)
    {
        var bytes = new MessageBuilder(type: 0x0003).Build();
        bytes[0] |= first;
        Assert.Equal(StunReadStatus.NotStun, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_ReportsLengthNotMultipleOfFour_WhenTheLastPaddingIsMissing()
    {
        var bytes = new MessageBuilder().Attribute(Username, "abcde"u8.ToArray(), pad: false).Build();
        Assert.Equal(StunReadStatus.LengthNotMultipleOfFour, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_ReportsAttributeRunningPastTheEnd()
    {
        var bytes = new MessageBuilder().Attribute(Username, "abcd"u8.ToArray(), declaredLength: 8).Build();
        Assert.Equal(StunReadStatus.AttributePastEnd, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_ReportsAttributeWhosePaddingWouldRunPastTheEnd()
    {
        // The value fits but its padding does not: a 5-byte value declared in an 8-byte body.
        var bytes = new MessageBuilder().Attribute(Username, "abcd"u8.ToArray(), declaredLength: 5).Build();
        Assert.Equal(StunReadStatus.AttributePastEnd, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_AcceptsPaddingBytesThatAreNotZero()
    {
        var bytes = new MessageBuilder().Attribute(Username, "abcde"u8.ToArray(), pad: false).Build(declaredLength: 12);
        bytes = bytes.Concat("   "u8.ToArray()).ToArray();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var value));
        Assert.Equal("abcde"u8.ToArray(), value.ToArray());
    }

    [Fact]
    public void Read_ReportsWrongMagicCookie_OnTurnMethods()
    {
        var bytes = new MessageBuilder(type: 0x0003, cookie: 0xDEADBEEF).Build();
        Assert.Equal(StunReadStatus.WrongMagicCookie, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_RecognisesClassicRfc3489BindingRequests()
    {
        var bytes = new MessageBuilder(cookie: 0xDEADBEEF).Attribute((ushort)StunAttributeType.ChangeRequest, [0, 0, 0, 0]).Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.IsRfc3489);
        Assert.Equal(0xDEADBEEFu, message.Cookie);
    }

    [Fact]
    public void Read_AcceptsRepeatedAttributes_AndTheFirstCounts()
    {
        var bytes = new MessageBuilder()
            .Attribute(Username, "a"u8.ToArray())
            .Attribute((ushort)StunAttributeType.Realm, "r"u8.ToArray())
            .Attribute(Username, "b"u8.ToArray())
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out var username));
        Assert.Equal("a"u8.ToArray(), username.ToArray());
    }

    [Fact]
    public void Read_AcceptsRepeatedComprehensionOptionalAttributes()
    {
        var software = (ushort)StunAttributeType.Software;
        var bytes = new MessageBuilder().Attribute(software, "a"u8.ToArray()).Attribute(software, "b"u8.ToArray()).Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var first));
        Assert.Equal("a"u8.ToArray(), first.ToArray());
    }

    [Fact]
    public void Read_AllowsSeveralXorPeerAddresses_AsCreatePermissionNeeds()
    {
        var peer = (ushort)StunAttributeType.XorPeerAddress;
        var bytes = new MessageBuilder(type: 0x0008)
            .Attribute(peer, [0, 1, 0x21, 0x12, 0x21, 0x12, 0xA4, 0x43])
            .Attribute(peer, [0, 1, 0x21, 0x12, 0x21, 0x12, 0xA4, 0x44])
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_IgnoresAttributesAfterMessageIntegrity()
    {
        var bytes = new MessageBuilder()
            .Attribute(Integrity, new byte[20])
            .Attribute(Username, "a"u8.ToArray())
            .Attribute(Integrity, new byte[8])
            .Attribute(Fingerprint, new byte[4])
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.False(message.HasAttribute(StunAttributeType.Username));
        Assert.True(message.HasMessageIntegrity);
        Assert.True(message.HasFingerprint);
        var seen = new List<StunAttributeType>();
        foreach (var attribute in message.Attributes)
        {
            seen.Add(attribute.Type);
        }

        Assert.Equal([StunAttributeType.MessageIntegrity, StunAttributeType.Fingerprint], seen);
    }

    [Fact]
    public void Read_HonoursIntegritySha256AfterIgnoredAttributes_AndNothingAfterIt()
    {
        var lifetime = (ushort)StunAttributeType.Lifetime;
        var bytes = new MessageBuilder()
            .Attribute(Integrity, new byte[20])
            .Attribute(lifetime, [0, 0, 0, 0])
            .Attribute(IntegritySha256, new byte[32])
            .Attribute(Username, "a"u8.ToArray())
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.HasMessageIntegritySha256);
        Assert.True(message.HasAttribute(StunAttributeType.MessageIntegritySha256));
        Assert.False(message.HasAttribute(StunAttributeType.Lifetime));
        Assert.False(message.HasAttribute(StunAttributeType.Username));
    }

    [Fact]
    public void Read_IgnoresMessageIntegrityAfterMessageIntegritySha256()
    {
        var bytes = new MessageBuilder().Attribute(IntegritySha256, new byte[32]).Attribute(Integrity, new byte[20]).Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.HasMessageIntegritySha256);
        Assert.False(message.HasMessageIntegrity);
    }

    [Fact]
    public void Read_StillChecksTheFramingOfIgnoredAttributes()
    {
        var bytes = new MessageBuilder().Attribute(Integrity, new byte[20]).Attribute(Username, new byte[4]).Build();
        bytes[^5] = 9; // the ignored attribute's length now runs past the end
        Assert.Equal(StunReadStatus.AttributePastEnd, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_AcceptsIntegrityThenIntegritySha256ThenFingerprint()
    {
        var bytes = new MessageBuilder()
            .Attribute(Integrity, new byte[20])
            .Attribute(IntegritySha256, new byte[32])
            .Attribute(Fingerprint, new byte[4])
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.True(message.HasMessageIntegrity);
        Assert.True(message.HasMessageIntegritySha256);
        Assert.True(message.HasFingerprint);
    }

    [Fact]
    public void Read_ReportsAttributesAfterFingerprint()
    {
        var bytes = new MessageBuilder().Attribute(Fingerprint, new byte[4]).Attribute(Username, "a"u8.ToArray()).Build();
        Assert.Equal(StunReadStatus.AttributeAfterFingerprint, StunMessage.Read(bytes, out _));
    }

    [Theory]
    [InlineData(Integrity, 16)]
    [InlineData(Integrity, 32)]
    [InlineData(IntegritySha256, 12)]
    [InlineData(IntegritySha256, 18)]
    [InlineData(IntegritySha256, 36)]
    public void Read_ReportsIntegrityOfTheWrongLength(ushort type, int length)
    {
        var bytes = new MessageBuilder().Attribute(type, new byte[length]).Build();
        Assert.Equal(StunReadStatus.InvalidIntegrityLength, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_ReportsFingerprintOfTheWrongLength()
    {
        var bytes = new MessageBuilder().Attribute(Fingerprint, new byte[8]).Build();
        Assert.Equal(StunReadStatus.InvalidFingerprintLength, StunMessage.Read(bytes, out _));
    }

    [Fact]
    public void Read_NeverThrows_OnAnyMutationOfAValidMessage()
    {
        var random = new Random(5769);
        var sources = Rfc5769Vectors.All.ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])sources[i % sources.Length].Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            if (StunMessage.Read(bytes, out var message) == StunReadStatus.Ok)
            {
                foreach (var attribute in message.Attributes)
                {
                    Assert.True(attribute.Value.Length <= bytes.Length);
                }

                message.VerifyFingerprint();
                message.VerifyMessageIntegrity("key"u8);
                message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out _);
                message.TryGetErrorCode(out _, out _);
            }
        }
    }

    [Fact]
    public void Attributes_EnumeratesTypesAndUnpaddedValuesInOrder()
    {
        var bytes = new MessageBuilder()
            .Attribute(Username, "abc"u8.ToArray())
            .Attribute(0xC057, [1, 2, 3, 4])
            .Attribute((ushort)StunAttributeType.DontFragment, [])
            .Build();
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));

        var seen = new List<(StunAttributeType, string)>();
        foreach (var attribute in message.Attributes)
        {
            seen.Add((attribute.Type, Convert.ToHexString(attribute.Value)));
        }

        Assert.Equal([(StunAttributeType.Username, "616263"), ((StunAttributeType)0xC057, "01020304"), (StunAttributeType.DontFragment, "")], seen);
        Assert.True(message.HasAttribute(StunAttributeType.DontFragment));
        Assert.False(message.HasAttribute(StunAttributeType.Realm));
    }
}
