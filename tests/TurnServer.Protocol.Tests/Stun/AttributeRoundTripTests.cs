using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Tests.Stun;

/// <summary>Every attribute the library writes reads back to the same value.</summary>
public class AttributeRoundTripTests
{
    private static readonly TransactionId Id = TransactionId.NewRandom();

    public static TheoryData<string> Addresses => new()
    {
        "192.0.2.1:32853",
        "0.0.0.0:0",
        "255.255.255.255:65535",
        "[2001:db8::1]:3478",
        "[::]:1",
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void XorAddresses_RoundTrip(string text)
    {
        var address = TransportAddress.Parse(text);
        foreach (var type in new[] { StunAttributeType.XorMappedAddress, StunAttributeType.XorPeerAddress, StunAttributeType.XorRelayedAddress })
        {
            var message = Write((ref w) => w.WriteXorAddress(type, address));
            Assert.True(Read(message).TryGetXorAddress(type, out var read));
            Assert.Equal(address, read);
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public void PlainAddresses_RoundTrip(string text)
    {
        var address = TransportAddress.Parse(text);
        foreach (var type in new[] { StunAttributeType.MappedAddress, StunAttributeType.AlternateServer, StunAttributeType.ResponseOrigin, StunAttributeType.OtherAddress })
        {
            var message = Write((ref w) => w.WriteAddress(type, address));
            Assert.True(Read(message).TryGetAddress(type, out var read));
            Assert.Equal(address, read);
        }
    }

    [Fact]
    public void XorAddress_IsMaskedOnTheWire()
    {
        var address = TransportAddress.Parse("192.0.2.1:32853");
        var message = Write((ref w) => w.WriteXorAddress(StunAttributeType.XorMappedAddress, address));
        var value = message.AsSpan(StunConstants.HeaderLength + 4, 8).ToArray();
        Assert.Equal(Convert.FromHexString("0001A147E112A643"), value);
        Assert.True(Read(message).TryGetAddress(StunAttributeType.XorMappedAddress, out var unmasked));
        Assert.NotEqual(address, unmasked);
    }

    [Theory]
    [InlineData(new byte[] { 0, 3, 0, 0, 1, 2, 3, 4 })] // unknown family
    [InlineData(new byte[] { 0, 1, 0, 0, 1, 2, 3 })] // IPv4 too short
    [InlineData(new byte[] { 0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 })] // IPv4 with an IPv6 length
    [InlineData(new byte[] { 0, 2, 0, 0, 1, 2, 3, 4 })] // IPv6 with an IPv4 length
    [InlineData(new byte[] { 0, 1 })]
    public void MalformedAddresses_AreRefused(byte[] value)
    {
        var bytes = new MessageBuilder().Attribute((ushort)StunAttributeType.XorPeerAddress, value).Build();
        var message = Read(bytes);
        Assert.False(message.TryGetXorAddress(StunAttributeType.XorPeerAddress, out _));
        Assert.False(message.TryGetAddress(StunAttributeType.XorPeerAddress, out _));
    }

    [Theory]
    [InlineData(StunAttributeType.Username, "evtj:h6vY")]
    [InlineData(StunAttributeType.Realm, "example.org")]
    [InlineData(StunAttributeType.Nonce, "f//499k954d6OL34oL9FSTvy64sA")]
    [InlineData(StunAttributeType.Software, "turnserver 1.0 \u00e9t\u00e9")]
    [InlineData(StunAttributeType.AlternateDomain, "turn.example.org")]
    [InlineData(StunAttributeType.Software, "")]
    public void TextAttributes_RoundTripAsUtf8(StunAttributeType type, string text)
    {
        var message = Read(Write((ref w) => w.WriteUtf8(type, text)));
        Assert.True(message.TryGetAttribute(type, out var value));
        Assert.Equal(text, Encoding.UTF8.GetString(value));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(1200)]
    public void OpaqueAttributes_RoundTrip_WithPaddingZeroed(int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)((i % 200) + 1)).ToArray();
        var buffer = new byte[4096];
        buffer.AsSpan().Fill(0xEE);
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Send, StunClass.Indication), Id);
        writer.WriteAttribute(StunAttributeType.Data, data);
        writer.WriteAttribute(StunAttributeType.Padding, data);
        var bytes = writer.Written.ToArray();

        Assert.Equal(StunConstants.HeaderLength + (2 * (4 + StunConstants.Pad(length))), bytes.Length);
        // Past the header: the random transaction id may hold any byte, the poison one included.
        Assert.DoesNotContain((byte)0xEE, bytes[StunConstants.HeaderLength..]);
        var message = Read(bytes);
        Assert.True(message.TryGetAttribute(StunAttributeType.Data, out var read));
        Assert.Equal(data, read.ToArray());
        Assert.True(message.TryGetAttribute(StunAttributeType.Padding, out read));
        Assert.Equal(data, read.ToArray());
    }

    [Theory]
    [InlineData(StunAttributeType.Lifetime, 600u)]
    [InlineData(StunAttributeType.Lifetime, 0u)]
    [InlineData(StunAttributeType.ConnectionId, 0xFEDCBA98u)]
    [InlineData(StunAttributeType.Priority, 0x6e0001ffu)]
    public void UInt32Attributes_RoundTrip(StunAttributeType type, uint value)
    {
        Assert.True(Read(Write((ref w) => w.WriteUInt32(type, value))).TryGetUInt32(type, out var read));
        Assert.Equal(value, read);
    }

    [Theory]
    [InlineData(StunErrorCode.TryAlternate)]
    [InlineData(StunErrorCode.BadRequest)]
    [InlineData(StunErrorCode.Unauthorized)]
    [InlineData(StunErrorCode.UnknownAttribute)]
    [InlineData(StunErrorCode.StaleNonce)]
    [InlineData(StunErrorCode.AllocationQuotaReached)]
    [InlineData(StunErrorCode.InsufficientCapacity)]
    public void ErrorCode_RoundTrips_WithTheRegistryReason(StunErrorCode code)
    {
        var message = Read(Write((ref w) => w.WriteErrorCode(code), StunMessageType.BindingError));
        Assert.True(message.TryGetErrorCode(out var read, out var reason));
        Assert.Equal((int)code, read);
        Assert.Equal(code.ReasonPhrase().ToArray(), reason.ToArray());
        Assert.False(reason.IsEmpty);
    }

    [Fact]
    public void ErrorCode_EncodesClassAndNumber()
    {
        var bytes = Write((ref w) => w.WriteErrorCode(438, "Stale Nonce"u8));
        Assert.Equal(new byte[] { 0, 0, 4, 38 }, bytes.AsSpan(StunConstants.HeaderLength + 4, 4).ToArray());
    }

    [Theory]
    [InlineData(299)]
    [InlineData(700)]
    public void ErrorCode_OutsideTheRange_IsAProgrammingError(int code)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Write((ref w) => w.WriteErrorCode(code, "x"u8)));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 2, 99 })] // class 2
    [InlineData(new byte[] { 0, 0, 7, 0 })] // class 7
    [InlineData(new byte[] { 0, 0, 4, 100 })] // number 100
    [InlineData(new byte[] { 0, 0, 4 })]
    public void MalformedErrorCodes_AreRefused(byte[] value)
    {
        var message = Read(new MessageBuilder(type: 0x0111).Attribute((ushort)StunAttributeType.ErrorCode, value).Build());
        Assert.False(message.TryGetErrorCode(out _, out _));
    }

    [Fact]
    public void AddressErrorCode_RoundTrips()
    {
        var message = Read(Write((ref w) => w.WriteAddressErrorCode(StunAddressFamily.IPv6, StunErrorCode.AddressFamilyNotSupported)));
        Assert.True(message.TryGetAddressErrorCode(out var family, out var code, out var reason));
        Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(440, code);
        Assert.Equal("Address Family not Supported", Encoding.UTF8.GetString(reason));
    }

    [Fact]
    public void UnknownAttributes_RoundTrip()
    {
        ushort[] types = [0x0031, 0x7FFF, 0x0002];
        var message = Read(Write((ref w) => w.WriteUnknownAttributes(types), StunMessageType.BindingError));
        Span<ushort> read = stackalloc ushort[8];
        Assert.True(message.TryGetUnknownAttributes(read, out var count));
        Assert.Equal(types, read[..count].ToArray());
        Assert.False(message.TryGetUnknownAttributes(stackalloc ushort[2], out _));
    }

    [Theory]
    [InlineData((ushort)0x4000)]
    [InlineData((ushort)0x4FFF)]
    public void ChannelNumber_RoundTrips(ushort channel)
    {
        Assert.True(Read(Write((ref w) => w.WriteChannelNumber(channel))).TryGetChannelNumber(out var read));
        Assert.Equal(channel, read);
    }

    [Theory]
    [InlineData(TransportProtocol.Udp)]
    [InlineData(TransportProtocol.Tcp)]
    public void RequestedTransport_RoundTrips(TransportProtocol protocol)
    {
        var bytes = Write((ref w) => w.WriteRequestedTransport(protocol));
        Assert.Equal(new byte[] { (byte)protocol, 0, 0, 0 }, bytes.AsSpan(StunConstants.HeaderLength + 4).ToArray());
        Assert.True(Read(bytes).TryGetRequestedTransport(out var read));
        Assert.Equal(protocol, read);
    }

    [Theory]
    [InlineData(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv4)]
    [InlineData(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6)]
    [InlineData(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6)]
    public void AddressFamilies_RoundTrip(StunAttributeType type, StunAddressFamily family)
    {
        Assert.True(Read(Write((ref w) => w.WriteAddressFamily(type, family))).TryGetAddressFamily(type, out var read));
        Assert.Equal(family, read);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EvenPort_RoundTrips(bool reserveNext)
    {
        Assert.True(Read(Write((ref w) => w.WriteEvenPort(reserveNext))).TryGetEvenPort(out var read));
        Assert.Equal(reserveNext, read);
    }

    [Fact]
    public void DontFragment_IsAnEmptyAttribute()
    {
        var message = Read(Write((ref w) => w.WriteAttribute(StunAttributeType.DontFragment, [])));
        Assert.True(message.TryGetAttribute(StunAttributeType.DontFragment, out var value));
        Assert.True(value.IsEmpty);
    }

    [Fact]
    public void ReservationToken_RoundTrips()
    {
        Assert.True(Read(Write((ref w) => w.WriteReservationToken(0x0123456789ABCDEF))).TryGetReservationToken(out var read));
        Assert.Equal(0x0123456789ABCDEFul, read);
    }

    [Theory]
    [InlineData(3, 4, 1400u)] // ICMPv4 fragmentation needed, with the next-hop MTU
    [InlineData(1, 3, 0u)] // ICMPv6 port unreachable
    [InlineData(127, 511, 0xFFFFFFFFu)]
    public void Icmp_RoundTrips(byte type, ushort code, uint data)
    {
        var icmp = new IcmpInfo(type, code, data);
        Assert.True(Read(Write((ref w) => w.WriteIcmp(icmp))).TryGetIcmp(out var read));
        Assert.Equal(icmp, read);
    }

    [Fact]
    public void Icmp_TypeAndCodeSitInTheLow24BitsAfterTheReservedOnes()
    {
        var bytes = Write((ref w) => w.WriteIcmp(new IcmpInfo(3, 4, 1400)));
        Assert.Equal(Convert.FromHexString("00000604" + "00000578"), bytes.AsSpan(StunConstants.HeaderLength + 4).ToArray());
    }

    [Theory]
    [InlineData(ChangeRequest.None)]
    [InlineData(ChangeRequest.ChangePort)]
    [InlineData(ChangeRequest.ChangeIP | ChangeRequest.ChangePort)]
    public void ChangeRequest_RoundTrips(ChangeRequest flags)
    {
        Assert.True(Read(Write((ref w) => w.WriteChangeRequest(flags))).TryGetChangeRequest(out var read));
        Assert.Equal(flags, read);
    }

    [Fact]
    public void ResponsePort_RoundTrips()
    {
        Assert.True(Read(Write((ref w) => w.WriteResponsePort(50000))).TryGetResponsePort(out var read));
        Assert.Equal(50000, read);
    }

    [Theory]
    [InlineData(PasswordAlgorithm.Md5)]
    [InlineData(PasswordAlgorithm.Sha256)]
    public void PasswordAlgorithm_RoundTrips(PasswordAlgorithm algorithm)
    {
        var message = Read(Write((ref w) => w.WritePasswordAlgorithm(algorithm)));
        Assert.True(message.TryGetPasswordAlgorithm(out var read, out var parameters));
        Assert.Equal(algorithm, read);
        Assert.True(parameters.IsEmpty);
    }

    [Fact]
    public void PasswordAlgorithms_RoundTrip_InOrder()
    {
        var message = Read(Write((ref w) => w.WritePasswordAlgorithms([PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5])));
        Assert.True(message.TryGetPasswordAlgorithms(out var algorithms));
        var read = new List<PasswordAlgorithm>();
        foreach (var entry in algorithms)
        {
            read.Add(entry.Algorithm);
        }

        Assert.Equal([PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5], read);
    }

    [Fact]
    public void PasswordAlgorithms_WithParameters_AreWalkedOverTheirPadding()
    {
        // An unknown algorithm with 3 bytes of parameters (padded to 4), then SHA-256.
        var value = Convert.FromHexString("00090003" + "AABBCC00" + "00020000");
        var message = Read(new MessageBuilder().Attribute((ushort)StunAttributeType.PasswordAlgorithms, value).Build());
        Assert.True(message.TryGetPasswordAlgorithms(out var algorithms));
        Assert.True(algorithms.MoveNext());
        Assert.Equal((PasswordAlgorithm)9, algorithms.Current.Algorithm);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, algorithms.Current.Parameters.ToArray());
        Assert.True(algorithms.MoveNext());
        Assert.Equal(PasswordAlgorithm.Sha256, algorithms.Current.Algorithm);
        Assert.False(algorithms.MoveNext());
    }

    [Theory]
    [InlineData("0002")] // entry header cut short
    [InlineData("00020008AABB")] // parameters past the end
    [InlineData("")] // no entries
    public void MalformedPasswordAlgorithms_AreRefused(string hex)
    {
        var value = Convert.FromHexString(hex);
        var message = Read(new MessageBuilder()
            .Attribute((ushort)StunAttributeType.PasswordAlgorithms, value)
            .Attribute((ushort)StunAttributeType.PasswordAlgorithm, value)
            .Build());
        Assert.False(message.TryGetPasswordAlgorithms(out _));
        Assert.False(message.TryGetPasswordAlgorithm(out _, out _));
    }

    [Fact]
    public void PasswordAlgorithm_WithTwoEntries_IsRefused()
    {
        var value = Convert.FromHexString("00010000" + "00020000");
        var message = Read(new MessageBuilder().Attribute((ushort)StunAttributeType.PasswordAlgorithm, value).Build());
        Assert.False(message.TryGetPasswordAlgorithm(out _, out _));
    }

    [Theory]
    [InlineData(StunAttributeType.Lifetime, 3)]
    [InlineData(StunAttributeType.ChannelNumber, 2)]
    [InlineData(StunAttributeType.RequestedTransport, 1)]
    [InlineData(StunAttributeType.EvenPort, 4)]
    [InlineData(StunAttributeType.ReservationToken, 4)]
    [InlineData(StunAttributeType.Icmp, 4)]
    [InlineData(StunAttributeType.ChangeRequest, 1)]
    [InlineData(StunAttributeType.ResponsePort, 2)]
    [InlineData(StunAttributeType.RequestedAddressFamily, 1)]
    public void FixedSizeAttributes_OfTheWrongLength_AreRefused(StunAttributeType type, int length)
    {
        var message = Read(new MessageBuilder().Attribute((ushort)type, new byte[length]).Build());
        Assert.False(type switch
        {
            StunAttributeType.Lifetime => message.TryGetUInt32(type, out _),
            StunAttributeType.ChannelNumber => message.TryGetChannelNumber(out _),
            StunAttributeType.RequestedTransport => message.TryGetRequestedTransport(out _),
            StunAttributeType.EvenPort => message.TryGetEvenPort(out _),
            StunAttributeType.ReservationToken => message.TryGetReservationToken(out _),
            StunAttributeType.Icmp => message.TryGetIcmp(out _),
            StunAttributeType.ChangeRequest => message.TryGetChangeRequest(out _),
            StunAttributeType.ResponsePort => message.TryGetResponsePort(out _),
            _ => message.TryGetAddressFamily(type, out _),
        });
    }

    [Fact]
    public void AbsentAttributes_AreReportedAsAbsent()
    {
        var message = Read(new MessageBuilder().Build());
        Assert.False(message.TryGetXorAddress(StunAttributeType.XorPeerAddress, out _));
        Assert.False(message.TryGetUInt32(StunAttributeType.Lifetime, out _));
        Assert.False(message.TryGetErrorCode(out _, out _));
        Assert.False(message.TryGetChannelNumber(out _));
        Assert.False(message.TryGetPasswordAlgorithms(out _));
        Assert.False(message.VerifyMessageIntegrity("k"u8));
        Assert.False(message.VerifyMessageIntegritySha256("k"u8));
        Assert.False(message.VerifyFingerprint());
    }

    [Fact]
    public void Writer_RefusesABufferTooSmall()
    {
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[28], StunMessageType.BindingRequest, Id);
            writer.WriteUInt32(StunAttributeType.Lifetime, 1);
            writer.WriteUInt32(StunAttributeType.ConnectionId, 1);
        });
        Assert.Throws<ArgumentException>(() => new StunMessageWriter(new byte[19], StunMessageType.BindingRequest, Id));
    }

    [Fact]
    public void Writer_EchoesTheCookieOfAClassicRequest()
    {
        var bytes = new byte[64];
        var writer = new StunMessageWriter(bytes, StunMessageType.BindingSuccess, Id, cookie: 0xDEADBEEF);
        writer.WriteAddress(StunAttributeType.MappedAddress, TransportAddress.Parse("198.51.100.7:4000"));
        var message = Read(writer.Written.ToArray());
        Assert.True(message.IsRfc3489);
        Assert.Equal(Id, message.TransactionId);
        Assert.True(message.TryGetAddress(StunAttributeType.MappedAddress, out var mapped));
        Assert.Equal(TransportAddress.Parse("198.51.100.7:4000"), mapped);
    }

    private delegate void WriteAction(ref StunMessageWriter writer);

    private static byte[] Write(WriteAction write, StunMessageType? type = null)
    {
        var writer = new StunMessageWriter(new byte[2048], type ?? StunMessageType.BindingRequest, Id);
        write(ref writer);
        return writer.Written.ToArray();
    }

    private static StunMessage Read(byte[] bytes)
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        return message;
    }
}
