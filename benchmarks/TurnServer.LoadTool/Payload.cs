using System.Buffers.Binary;
using System.Diagnostics;

namespace TurnServer.LoadTool;

/// <summary>What each packet carries so its echo can be matched and timed: the sequence number and the send time.</summary>
internal static class Payload
{
    public const int MinLength = 12;

    public static void Stamp(Span<byte> payload, uint sequence)
    {
        BinaryPrimitives.WriteUInt32BigEndian(payload, sequence);
        BinaryPrimitives.WriteInt64BigEndian(payload[4..], Stopwatch.GetTimestamp());
    }

    public static (uint Sequence, TimeSpan RoundTrip) Read(ReadOnlySpan<byte> payload) =>
        (BinaryPrimitives.ReadUInt32BigEndian(payload), Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64BigEndian(payload[4..])));
}
