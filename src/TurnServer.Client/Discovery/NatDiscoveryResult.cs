using System.Net;

namespace TurnServer.Client.Discovery;

/// <summary>What NAT behaviour discovery found.</summary>
public sealed record NatDiscoveryResult(
    NatType Type,
    MappingBehavior Mapping,
    FilteringBehavior Filtering,
    IPEndPoint? PublicEndPoint,
    DiscoveryMethod Method,
    bool BehindNat)
{
    /// <summary>Whether the NAT lets a host reach another behind it by its public address; null when not tested or not applicable.</summary>
    public bool? Hairpinning { get; init; }
}
