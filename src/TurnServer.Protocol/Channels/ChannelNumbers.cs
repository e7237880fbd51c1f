namespace TurnServer.Protocol.Channels;

/// <summary>The channel numbers a client may bind (RFC 8656 section 12): 0x4000 through 0x4FFF.</summary>
public static class ChannelNumbers
{
    public const ushort Min = 0x4000;
    public const ushort Max = 0x4FFF;

    public static bool IsValid(ushort channelNumber) => channelNumber is >= Min and <= Max;
}
