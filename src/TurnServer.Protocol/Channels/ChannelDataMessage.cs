using System.Buffers.Binary;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Channels;

/// <summary>
/// A ChannelData message (RFC 8656 section 12.4): channel number, data length, data. Over TCP and TLS the
/// data is padded to a multiple of 4 bytes; over UDP padding is optional (section 12.5).
/// </summary>
public readonly ref struct ChannelDataMessage
{
    public const int HeaderLength = 4;

    private ChannelDataMessage(ushort channelNumber, ReadOnlySpan<byte> data)
    {
        ChannelNumber = channelNumber;
        Data = data;
    }

    public ushort ChannelNumber { get; }

    public ReadOnlySpan<byte> Data { get; }

    /// <summary>
    /// Reads one message: a datagram, or a stream frame cut by <c>StunStreamFramer</c>. False (drop it
    /// silently, as the RFC says) for a channel number outside 0x4000-0x7FFF, a length past the end, or
    /// more trailing bytes than padding explains.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out ChannelDataMessage message)
    {
        message = default;
        if (input.Length < HeaderLength)
        {
            return false;
        }

        var channelNumber = BinaryPrimitives.ReadUInt16BigEndian(input);
        int length = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        var unpadded = HeaderLength + length;
        if (!ChannelNumbers.IsValid(channelNumber) || input.Length < unpadded || input.Length > HeaderLength + StunConstants.Pad(length))
        {
            return false;
        }

        message = new ChannelDataMessage(channelNumber, input.Slice(HeaderLength, length));
        return true;
    }

    /// <summary>Bytes a message with this much data takes on a stream, padding included.</summary>
    public static int GetStreamLength(int dataLength) => HeaderLength + StunConstants.Pad(dataLength);

    /// <summary>
    /// Writes only the 4-byte header, so a relay can receive a peer's datagram 4 bytes into a buffer and
    /// send header and data on without copying the data.
    /// </summary>
    public static void WriteHeader(Span<byte> destination, ushort channelNumber, int dataLength)
    {
        if (!ChannelNumbers.IsValid(channelNumber))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(channelNumber), "Channel numbers run from 0x4000 to 0x7FFF.");
        }

        if ((uint)dataLength > ushort.MaxValue)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dataLength), "ChannelData carries at most 65535 bytes.");
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, channelNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)dataLength);
    }

    /// <summary>Writes a whole message and returns its length; <paramref name="padForStream"/> adds the zero padding TCP and TLS need.</summary>
    public static int Write(Span<byte> destination, ushort channelNumber, ReadOnlySpan<byte> data, bool padForStream)
    {
        var length = padForStream ? GetStreamLength(data.Length) : HeaderLength + data.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooSmall();
        }

        WriteHeader(destination, channelNumber, data.Length);
        data.CopyTo(destination[HeaderLength..]);
        destination[(HeaderLength + data.Length)..length].Clear();
        return length;
    }
}
