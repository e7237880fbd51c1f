using TurnServer.Host.Monitoring;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Processing;
using TurnServer.Transports;

namespace TurnServer.Host.Admin;

/// <summary>
/// What the status page shows, as one JSON document: totals since the start, from which the page
/// works out rates between two polls. The same sums as <c>/metrics</c> (<see cref="ServerTotals"/>).
/// </summary>
internal sealed record StatusSummary(
    string Version,
    long UptimeSeconds,
    bool Draining,
    int Allocations,
    int Permissions,
    int Channels,
    long AllocationsCreated,
    long AuthenticationFailures,
    long PacketsToPeer,
    long BytesToPeer,
    long PacketsToClient,
    long BytesToClient,
    IReadOnlyDictionary<string, long> Drops)
{
    public static StatusSummary Of(TurnEngine engine, TransportCounters transports, TimeSpan uptime)
    {
        var udp = ServerTotals.RelayedFor(engine, TransportProtocol.Udp);
        var tcp = ServerTotals.RelayedFor(engine, TransportProtocol.Tcp);
        var allocations = engine.Allocations.All.ToList();
        return new StatusSummary(
            Usage.Version,
            (long)uptime.TotalSeconds,
            engine.Draining,
            allocations.Count,
            allocations.Sum(a => a.Permissions.Count),
            allocations.Sum(a => a.Channels.Count),
            engine.Counters.AllocationsCreated,
            engine.Counters.AuthenticationFailures,
            udp.PacketsToPeer + tcp.PacketsToPeer,
            udp.BytesToPeer + tcp.BytesToPeer,
            udp.PacketsToClient + tcp.PacketsToClient,
            udp.BytesToClient + tcp.BytesToClient,
            ServerTotals.Drops(engine.Counters, transports).ToDictionary(drop => drop.Reason, drop => drop.Count));
    }
}
