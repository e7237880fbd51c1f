using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>One source as <see cref="SourcePrefix"/> groups them: a family and an address or prefix.</summary>
public readonly record struct SourceKey(StunAddressFamily Family, UInt128 Prefix);
