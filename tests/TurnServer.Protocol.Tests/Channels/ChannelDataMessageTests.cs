using TurnServer.Protocol.Channels;

namespace TurnServer.Protocol.Tests.Channels;

public class ChannelDataMessageTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(1200)]
    public void Write_ThenRead_RoundTrips_OnDatagramsAndStreams(int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        foreach (var padForStream in new[] { false, true })
        {
            var buffer = new byte[length + 8];
            var written = ChannelDataMessage.Write(buffer, 0x4001, data, padForStream);
            Assert.Equal(padForStream ? 4 + ((length + 3) & ~3) : 4 + length, written);
            Assert.True(ChannelDataMessage.TryRead(buffer.AsSpan(0, written), out var message));
            Assert.Equal(0x4001, message.ChannelNumber);
            Assert.Equal(data, message.Data.ToArray());
        }
    }

    [Fact]
    public void Write_PutsChannelAndLengthBigEndianAndZeroesThePadding()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 12).ToArray();
        var written = ChannelDataMessage.Write(buffer, 0x4ABC, [1, 2, 3, 4, 5], padForStream: true);
        Assert.Equal(12, written);
        Assert.Equal(Convert.FromHexString("4ABC00050102030405000000"), buffer);
    }

    [Theory]
    [InlineData("3FFF0000")] // below the channel range
    [InlineData("80000000")] // not ChannelData at all
    [InlineData("40000004010203")] // length past the end
    [InlineData("400000010100000000")] // more trailing bytes than padding explains
    [InlineData("4000")]
    [InlineData("")]
    public void TryRead_RefusesMalformedMessages(string hex)
    {
        Assert.False(ChannelDataMessage.TryRead(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void TryRead_AcceptsOptionalPaddingOnUdp()
    {
        Assert.True(ChannelDataMessage.TryRead(Convert.FromHexString("4000000101000000"), out var padded));
        Assert.Equal(new byte[] { 1 }, padded.Data.ToArray());
        Assert.True(ChannelDataMessage.TryRead(Convert.FromHexString("4000000101"), out var unpadded));
        Assert.Equal(new byte[] { 1 }, unpadded.Data.ToArray());
    }

    [Fact]
    public void WriteHeader_LetsTheRelayPrefixDataAlreadyInTheBuffer()
    {
        var buffer = new byte[4 + 3];
        new byte[] { 7, 8, 9 }.CopyTo(buffer, 4);
        ChannelDataMessage.WriteHeader(buffer, 0x4FFF, 3);
        Assert.True(ChannelDataMessage.TryRead(buffer, out var message));
        Assert.Equal(0x4FFF, message.ChannelNumber);
        Assert.Equal(new byte[] { 7, 8, 9 }, message.Data.ToArray());
    }

    [Theory]
    [InlineData(0x3FFF)]
    [InlineData(0x8000)]
    public void WriteHeader_RefusesChannelsOutsideTheRange(int channel)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelDataMessage.WriteHeader(new byte[4], (ushort)channel, 0));
    }

    [Fact]
    public void ChannelNumbers_CoverTheRfc5766Range0x4000To0x7FFF()
    {
        Assert.False(ChannelNumbers.IsValid(0x3FFF));
        Assert.True(ChannelNumbers.IsValid(0x4000));
        Assert.True(ChannelNumbers.IsValid(0x4FFF));
        Assert.True(ChannelNumbers.IsValid(0x7FFF));
        Assert.False(ChannelNumbers.IsValid(0x8000));
    }
}
