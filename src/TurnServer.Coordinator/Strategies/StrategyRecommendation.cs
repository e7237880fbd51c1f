using TurnServer.Client.Discovery;

namespace TurnServer.Coordinator.Strategies;

/// <summary>What our NAT suggests: the strategy likely to connect, and whether a relay will be needed whatever the peer's NAT.</summary>
public sealed record StrategyRecommendation(ConnectionStrategy Strategy, bool RequiresTurn, string Reason)
{
    public static StrategyRecommendation For(NatType? nat) => nat switch
    {
        NatType.OpenInternet => new(ConnectionStrategy.Direct, false, "a public address: peers can reach it directly"),
        NatType.FullCone or NatType.RestrictedCone or NatType.PortRestrictedCone or NatType.Cone or NatType.SymmetricUdpFirewall =>
            new(ConnectionStrategy.UdpHolePunching, false, "one public mapping for every destination: hole punching works unless the peer's NAT is symmetric too"),
        NatType.Symmetric => new(ConnectionStrategy.TurnRelay, true, "a new mapping per destination: only a peer behind an easy NAT can punch through; expect the relay"),
        NatType.UdpBlocked => new(ConnectionStrategy.TurnRelay, true, "UDP does not get out: only the relay over TCP or TLS works"),
        _ => new(ConnectionStrategy.TurnRelay, true, "the NAT is not known (no STUN server answered, or not initialized)"),
    };
}
