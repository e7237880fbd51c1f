using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// Client address, server address and transport: what identifies an allocation (RFC 8656 section 2).
/// A value type, so looking one up per packet allocates nothing.
/// </summary>
public readonly record struct FiveTuple(TransportAddress Client, TransportAddress Server, TransportProtocol Protocol)
{
    public override string ToString() => $"{Protocol} {Client} -> {Server}";
}
