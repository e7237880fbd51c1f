using TurnServer.Client.Discovery;

namespace TurnServer.Coordinator;

/// <summary>Whether the coordinator can connect peers now: signaling up, NAT known, a relay reachable.</summary>
public sealed record HealthReport(bool Healthy, bool SignalingConnected, NatType? Nat, bool? RelayReachable, int OpenConnections);
