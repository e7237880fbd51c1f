using System.Buffers;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Framing;

public class StunStreamFramerTests
{
    private const int Max = 4096;

    [Fact]
    public void TryReadFrame_CutsStunAndPaddedChannelDataFromOneStream()
    {
        var channelData = new byte[ChannelDataMessage.GetStreamLength(5)];
        ChannelDataMessage.Write(channelData, 0x4000, [1, 2, 3, 4, 5], padForStream: true);
        var stream = Rfc5769Vectors.Request.Concat(channelData).Concat(Rfc5769Vectors.IPv6Response).ToArray();

        var frames = new List<(StreamFrameKind, int)>();
        ReadOnlySpan<byte> rest = stream;
        while (StunStreamFramer.TryReadFrame(rest, Max, out var length, out var kind) == OperationStatus.Done)
        {
            frames.Add((kind, length));
            rest = rest[length..];
        }

        Assert.True(rest.IsEmpty);
        Assert.Equal(
            [(StreamFrameKind.Stun, Rfc5769Vectors.Request.Length), (StreamFrameKind.ChannelData, 12), (StreamFrameKind.Stun, Rfc5769Vectors.IPv6Response.Length)],
            frames);
    }

    [Fact]
    public void TryReadFrame_NeedsMoreData_ForEveryPrefixOfAFrame()
    {
        var channelData = new byte[ChannelDataMessage.GetStreamLength(3)];
        ChannelDataMessage.Write(channelData, 0x4000, [1, 2, 3], padForStream: true);
        foreach (var frame in new[] { Rfc5769Vectors.Request, channelData })
        {
            for (var length = 0; length < frame.Length; length++)
            {
                Assert.Equal(OperationStatus.NeedMoreData, StunStreamFramer.TryReadFrame(frame.AsSpan(0, length), Max, out var frameLength, out _));
                Assert.Equal(0, frameLength);
            }

            Assert.Equal(OperationStatus.Done, StunStreamFramer.TryReadFrame(frame, Max, out var whole, out _));
            Assert.Equal(frame.Length, whole);
        }
    }

    [Theory]
    [InlineData("80")] // neither STUN nor ChannelData
    [InlineData("C0000000")]
    [InlineData("000100022112A442")] // STUN length not a multiple of 4
    [InlineData("00010000DEADBEEF")] // no magic cookie: a stream cannot tell where a classic message ends
    [InlineData("16030102000100FC")] // a TLS ClientHello on a plain TCP port
    public void TryReadFrame_RejectsWhatCannotBeFramed(string hex)
    {
        Assert.Equal(OperationStatus.InvalidData, StunStreamFramer.TryReadFrame(Convert.FromHexString(hex), Max, out _, out _));
    }

    [Fact]
    public void TryReadFrame_RejectsFramesOverTheCap_BeforeTheyArrive()
    {
        // Only the header has arrived; a 65 KB frame is refused at once instead of buffered.
        Assert.Equal(OperationStatus.InvalidData, StunStreamFramer.TryReadFrame(Convert.FromHexString("0001FFFC2112A442"), 1500, out _, out _));
        Assert.Equal(OperationStatus.InvalidData, StunStreamFramer.TryReadFrame(Convert.FromHexString("4000FFFF"), 1500, out _, out _));
        Assert.Equal(OperationStatus.NeedMoreData, StunStreamFramer.TryReadFrame(Convert.FromHexString("0001FFFC2112A442"), StunStreamFramer.MaxPossibleFrameLength, out _, out _));
    }

    [Fact]
    public void TryReadFrame_OverASequence_HandlesAHeaderSplitAcrossSegments()
    {
        var bytes = Rfc5769Vectors.IPv4Response.Concat(Rfc5769Vectors.Request).ToArray();
        for (var split = 1; split < bytes.Length; split++)
        {
            var sequence = Segments(bytes[..split], bytes[split..]);
            Assert.Equal(OperationStatus.Done, StunStreamFramer.TryReadFrame(sequence, Max, out var frame, out var kind));
            Assert.Equal(StreamFrameKind.Stun, kind);
            Assert.Equal(Rfc5769Vectors.IPv4Response, frame.ToArray());

            var partial = Segments(bytes[..Math.Min(split, Rfc5769Vectors.IPv4Response.Length - 1)], []);
            Assert.Equal(OperationStatus.NeedMoreData, StunStreamFramer.TryReadFrame(partial, Max, out _, out _));
        }
    }

    private static ReadOnlySequence<byte> Segments(byte[] first, byte[] second)
    {
        var head = new Segment(first, 0);
        var tail = head.Append(second);
        return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
