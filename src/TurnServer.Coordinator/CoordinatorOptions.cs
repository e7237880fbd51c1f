using System.Net;
using Microsoft.Extensions.Logging;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator;

/// <summary>How the coordinator finds peers and connects to them.</summary>
public sealed record CoordinatorOptions
{
    /// <summary>The signaling WebSocket, e.g. <c>ws://turn.example.com:8080/signaling</c>.</summary>
    public required Uri SignalingUri { get; init; }

    /// <summary>This peer's token for signaling (its id and expiry, signed by the application's backend).</summary>
    public required string SignalingToken { get; init; }

    /// <summary>STUN servers for the public address and NAT discovery: those that answer are used, in this order.</summary>
    public IReadOnlyList<IPEndPoint> StunServers { get; init; } = [];

    /// <summary>
    /// TURN servers in priority tiers: the first tier is tried first (our own servers), later tiers
    /// only when none of an earlier tier gives an allocation (public ones last).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<TurnServerEntry>> TurnServers { get; init; } = [];

    /// <summary>
    /// STUN and TURN servers as WebRTC names them (<c>stun:</c>, <c>turn:</c> and <c>turns:</c> URLs, host
    /// names or addresses), resolved when the coordinator initializes: their STUN servers come after
    /// <see cref="StunServers"/>, and their TURN servers make one more tier after <see cref="TurnServers"/>
    /// (tried in the order given, each a moment after the one before). A malformed URL, or a TURN URL
    /// without a username and credential, fails <see cref="PeerCoordinator.InitializeAsync"/>.
    /// </summary>
    public IReadOnlyList<Servers.IceServer> IceServers { get; init; } = [];

    /// <summary>How <see cref="IceServers"/>' host names become addresses: the system's resolver unless replaced (tests).</summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> ResolveHost { get; init; } = Dns.GetHostAddressesAsync;

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

    /// <summary>
    /// How often the relay kept warm under a direct path is checked, which keeps its permission,
    /// channel and NAT mapping alive (TURN's refreshes keep the allocation itself).
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A path from which nothing authenticated (data, a check, a check's answer) has come for this
    /// long is suspect: traffic moves to another path that works, the relay if need be. A quiet path
    /// is probed from two thirds of this on, so an idle connection costs one check a second or so.
    /// </summary>
    public TimeSpan PathSuspectAfter { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// RFC 7675 consent: with nothing authenticated from the peer on any path for this long, the
    /// connection has failed (<see cref="Connections.ConnectionState.Failed"/>).
    /// </summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A path in use is checked at least this often even while packets flow (RFC 7675's consent checks, about every 5 s).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Keep the TURN allocation (its permission and channel to the peer) while a direct path
    /// carries the connection, so a dying direct path fails over at once. It costs the relay's
    /// refreshes and a check every <see cref="KeepAliveInterval"/>; off, the relay is released 5 s
    /// after a direct path is chosen and a dead direct path leaves the connection disconnected.
    /// </summary>
    public bool KeepRelayWarm { get; init; } = true;

    /// <summary>
    /// Under a relayed connection, direct pairs are checked again for the connection's whole life,
    /// the pause between rounds doubling from half a second to this.
    /// </summary>
    public TimeSpan DirectRecheckMaxInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// When an address of this machine comes or goes (Wi-Fi to LTE, a VPN up or down), or a send
    /// finds no network, connections restart (<see cref="Connections.PeerConnection.RestartAsync"/>):
    /// candidates gathered again and new credentials agreed with the peer, without closing.
    /// </summary>
    public bool RestartOnNetworkChange { get; init; } = true;

    /// <summary>How long port prediction (many sockets and probes) goes on before the relay is left to carry the connection.</summary>
    public TimeSpan PortPredictionWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The most candidates taken from one peer's description; the rest are ignored, so no peer can make us check thousands of addresses.</summary>
    public int MaxRemoteCandidates { get; init; } = 16;

    /// <summary>Diagnostics: state changes, path changes and failovers, at Information; handler faults at Error.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for every timer of the coordinator's connections (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

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
