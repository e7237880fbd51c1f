using System.Buffers;
using TurnServer.Protocol.Framing;

namespace TurnServer.Protocol.Tests.Fuzzing;

/// <summary>
/// Byte streams (several messages back to back) framed from one span and from a sequence cut into
/// segments of a few bytes, as a fuzz target (tests/TurnServer.Fuzz runs it under AFL++): the framer
/// must never throw, never cut a frame past the data, and find the same frames both ways.
/// </summary>
internal static class StreamFramerTarget
{
    private const int MaxFrame = 4096;

    internal static void Frame(byte[] input)
    {
        var fromSpan = new List<(int Length, StreamFrameKind Kind)>();
        var offset = 0;
        while (StunStreamFramer.TryReadFrame(input.AsSpan(offset), MaxFrame, out var length, out var kind) == OperationStatus.Done)
        {
            Assert.InRange(length, 4, input.Length - offset);
            fromSpan.Add((length, kind));
            offset += length;
        }

        var sequence = Segmented(input, input.Length % 7 + 1);
        var fromSequence = new List<(int Length, StreamFrameKind Kind)>();
        while (StunStreamFramer.TryReadFrame(sequence, MaxFrame, out var frame, out var kind) == OperationStatus.Done)
        {
            fromSequence.Add(((int)frame.Length, kind));
            sequence = sequence.Slice(frame.Length);
        }

        Assert.Equal(fromSpan, fromSequence);
    }

    /// <summary>The bytes as a sequence of segments of a few bytes each, as a socket might deliver them.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] input, int segmentLength)
    {
        if (input.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(input.AsMemory(0, Math.Min(segmentLength, input.Length)), 0);
        var last = first;
        for (var start = segmentLength; start < input.Length; start += segmentLength)
        {
            last = last.Append(input.AsMemory(start, Math.Min(segmentLength, input.Length - start)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
