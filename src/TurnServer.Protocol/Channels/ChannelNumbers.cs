namespace TurnServer.Protocol.Channels;

/// <summary>
/// The channel numbers a client may bind: 0x4000 through 0x7FFF, as RFC 5766 defined them. RFC 8656
/// narrowed the range to 0x4FFF, reserving the rest for DTLS-SRTP demultiplexing, but RFC 5766 clients
/// (coturn's own tools among them) still pick numbers up to 0x7FFF, and a server that refuses them
/// breaks those clients while gaining nothing: all it demultiplexes on is the leading bits 01.
/// </summary>
public static class ChannelNumbers
{
    public const ushort Min = 0x4000;
    public const ushort Max = 0x7FFF;

    public static bool IsValid(ushort channelNumber) => channelNumber is >= Min and <= Max;
}
