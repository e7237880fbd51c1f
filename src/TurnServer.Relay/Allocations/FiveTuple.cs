using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// Client address, server address and transport: what identifies an allocation (RFC 8656 section 2).
/// A value type, so looking one up per packet allocates nothing.
/// </summary>
public readonly record struct FiveTuple(TransportAddress Client, TransportAddress Server, TransportProtocol Protocol)
{
    public bool Equals(FiveTuple other) => Client == other.Client && Server == other.Server && Protocol == other.Protocol;

    /// <summary>
    /// The client's address decides: a server has a handful of listening addresses, so hashing them
    /// too would cost every packet's lookup time and spread the table no better.
    /// </summary>
    public override int GetHashCode() => Client.GetHashCode() ^ ((Server.Port << 8) + (int)Protocol);

    public override string ToString() => $"{Protocol} {Client} -> {Server}";
}
