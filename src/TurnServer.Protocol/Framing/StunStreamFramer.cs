using System.Buffers;
using System.Buffers.Binary;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Framing;

/// <summary>
/// Cuts STUN and ChannelData messages out of a byte stream, in the manner of Kestrel's
/// <c>Http2FrameReader.TryReadFrame</c>: look at the header, cap the length, and say Done with the frame,
/// NeedMoreData, or InvalidData (close the connection: a stream cannot resynchronise).
/// </summary>
public static class StunStreamFramer
{
    // Enough for the type, the length and the magic cookie of a STUN header.
    private const int PeekLength = 8;

    /// <summary>The largest message a client can send: a 20-byte header and a 65532-byte body.</summary>
    public const int MaxPossibleFrameLength = StunConstants.HeaderLength + StunConstants.MaxBodyLength;

    /// <param name="buffer">Bytes received and not yet consumed.</param>
    /// <param name="maxFrameLength">Frames longer than this are <see cref="OperationStatus.InvalidData"/>.</param>
    /// <param name="frameLength">On Done, the bytes of the frame at the start of <paramref name="buffer"/>.</param>
    public static OperationStatus TryReadFrame(ReadOnlySpan<byte> buffer, int maxFrameLength, out int frameLength, out StreamFrameKind kind)
    {
        var status = Peek(buffer, maxFrameLength, out frameLength, out kind);
        if (status == OperationStatus.Done && buffer.Length < frameLength)
        {
            status = OperationStatus.NeedMoreData;
        }

        if (status != OperationStatus.Done)
        {
            frameLength = 0;
        }

        return status;
    }

    /// <summary>The same over a pipe's buffer, where the header may straddle segments.</summary>
    public static OperationStatus TryReadFrame(in ReadOnlySequence<byte> buffer, int maxFrameLength, out ReadOnlySequence<byte> frame, out StreamFrameKind kind)
    {
        frame = default;
        Span<byte> header = stackalloc byte[PeekLength];
        var available = (int)Math.Min(buffer.Length, PeekLength);
        buffer.Slice(0, available).CopyTo(header);

        var status = Peek(header[..available], maxFrameLength, out var frameLength, out kind);
        if (status != OperationStatus.Done)
        {
            return status;
        }

        if (buffer.Length < frameLength)
        {
            return OperationStatus.NeedMoreData;
        }

        frame = buffer.Slice(0, frameLength);
        return OperationStatus.Done;
    }

    // Works out the frame length from the first bytes; Done means "the length is known".
    private static OperationStatus Peek(ReadOnlySpan<byte> start, int maxFrameLength, out int frameLength, out StreamFrameKind kind)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameLength, StunConstants.HeaderLength);
        frameLength = 0;
        kind = default;
        if (start.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        switch (start[0] >> 6)
        {
            case 0b00:
                kind = StreamFrameKind.Stun;
                if (start.Length < PeekLength)
                {
                    return OperationStatus.NeedMoreData;
                }

                int bodyLength = BinaryPrimitives.ReadUInt16BigEndian(start[2..]);
                if ((bodyLength & 3) != 0 || BinaryPrimitives.ReadUInt32BigEndian(start[4..]) != StunConstants.MagicCookie)
                {
                    return OperationStatus.InvalidData;
                }

                frameLength = StunConstants.HeaderLength + bodyLength;
                break;
            case 0b01:
                kind = StreamFrameKind.ChannelData;
                if (start.Length < ChannelDataMessage.HeaderLength)
                {
                    return OperationStatus.NeedMoreData;
                }

                if (!ChannelNumbers.IsValid(BinaryPrimitives.ReadUInt16BigEndian(start)))
                {
                    return OperationStatus.InvalidData;
                }

                frameLength = ChannelDataMessage.GetStreamLength(BinaryPrimitives.ReadUInt16BigEndian(start[2..]));
                break;
            default:
                return OperationStatus.InvalidData;
        }

        return frameLength <= maxFrameLength ? OperationStatus.Done : OperationStatus.InvalidData;
    }
}
