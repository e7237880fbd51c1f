using System.Net;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator;

/// <summary>How the coordinator finds peers and connects to them.</summary>
public sealed record CoordinatorOptions
{
    /// <summary>The signaling WebSocket, e.g. <c>ws://turn.example.com:8080/signaling</c>.</summary>
    public required Uri SignalingUri { get; init; }

    /// <summary>This peer's token for signaling (its id and expiry, signed by the application's backend).</summary>
    public required string SignalingToken { get; init; }

    /// <summary>STUN servers for the public address and NAT discovery; the first that answers is used.</summary>
    public IReadOnlyList<IPEndPoint> StunServers { get; init; } = [];

    /// <summary>
    /// TURN servers in priority tiers: the first tier is tried first (our own servers), later tiers
    /// only when none of an earlier tier gives an allocation (public ones last).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<TurnServerEntry>> TurnServers { get; init; } = [];

    /// <summary>Sequential tries direct paths first and the relay after <see cref="DirectTimeout"/>; Race checks all at once and prefers direct.</summary>
    public ConnectionMode Mode { get; init; } = ConnectionMode.Sequential;

    /// <summary>The strategies to use, in order; the relay is the fallback that works when the others do not.</summary>
    public IReadOnlyList<ConnectionStrategy> Strategies { get; init; } = [ConnectionStrategy.Direct, ConnectionStrategy.UdpHolePunching, ConnectionStrategy.PortPrediction, ConnectionStrategy.TcpHolePunching, ConnectionStrategy.TurnRelay];

    /// <summary>How long direct and hole-punched paths are tried alone before the relay joins (sequential mode).</summary>
    public TimeSpan DirectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>In race mode, how long a working relay waits for a direct path to work too.</summary>
    public TimeSpan RaceGrace { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>One attempt's limit, from the offer to a working path.</summary>
    public TimeSpan ConnectionTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Attempts after the first when one times out, with the backoff doubling from <see cref="RetryBackoff"/>.</summary>
    public int MaxRetries { get; init; } = 2;

    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a quiet connection sends a check on its path, keeping NAT mappings and the relay alive.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>After a relayed connection is up, how long direct paths are still tried in the background.</summary>
    public TimeSpan UpgradeWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Offer loopback addresses as host candidates: for peers on one machine (tests, demos).</summary>
    public bool IncludeLoopback { get; init; }

    /// <summary>
    /// Which peers may connect to us (null: any registered peer). Every offer costs a TURN
    /// allocation and sockets, so an application that knows its peers should say so.
    /// </summary>
    public Func<string, bool>? AcceptFrom { get; init; }

    /// <summary>Offers being answered at once; more are ignored, so a flood of offers cannot exhaust our sockets or the relay's quota.</summary>
    public int MaxPendingAccepts { get; init; } = 8;

    /// <summary>What this peer registers with, for others to see.</summary>
    public object? Metadata { get; init; }
}
