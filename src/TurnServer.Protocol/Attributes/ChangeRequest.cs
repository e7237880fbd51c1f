namespace TurnServer.Protocol.Attributes;

/// <summary>The two flags of CHANGE-REQUEST (RFC 5780 section 7.2).</summary>
[Flags]
public enum ChangeRequest : uint
{
    None = 0,
    ChangePort = 0x2,
    ChangeIP = 0x4,
}
