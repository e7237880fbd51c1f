namespace TurnServer.Protocol.Addressing;

/// <summary>The family byte of address attributes and of (REQUESTED|ADDITIONAL)-ADDRESS-FAMILY.</summary>
public enum StunAddressFamily : byte
{
    IPv4 = 0x01,
    IPv6 = 0x02,
}
