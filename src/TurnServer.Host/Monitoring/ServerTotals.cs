using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Metrics;
using TurnServer.Relay.Processing;
using TurnServer.Transports;

namespace TurnServer.Host.Monitoring;

/// <summary>The sums the metrics and the admin status page both show, so the two never disagree.</summary>
internal static class ServerTotals
{
    public readonly record struct Traffic(long PacketsToPeer, long BytesToPeer, long PacketsToClient, long BytesToClient);

    /// <summary>What ended allocations relayed plus what live ones have, for clients on one transport.</summary>
    public static Traffic RelayedFor(TurnEngine engine, TransportProtocol clientTransport)
    {
        var ended = engine.Counters.EndedTraffic(clientTransport);
        var total = new Traffic(ended.PacketsToPeer, ended.BytesToPeer, ended.PacketsToClient, ended.BytesToClient);
        foreach (var allocation in engine.Allocations.All.Where(a => a.FiveTuple.Protocol == clientTransport))
        {
            var live = allocation.Traffic;
            total = new Traffic(
                total.PacketsToPeer + live.PacketsToPeer,
                total.BytesToPeer + live.BytesToPeer,
                total.PacketsToClient + live.PacketsToClient,
                total.BytesToClient + live.BytesToClient);
        }

        return total;
    }

    /// <summary>Drops by the reason names <c>turnserver_dropped_packets_total</c> uses.</summary>
    public static IEnumerable<(string Reason, long Count)> Drops(EngineCounters counters, TransportCounters transports)
    {
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            yield return (ReasonName(reason), counters.DroppedFor(reason));
        }

        yield return ("send_failed", transports.SendFailures);
        yield return ("receive_failed", transports.ReceiveFailures);
        yield return ("connection_limit", transports.ConnectionsRefused);
    }

    private static string ReasonName(DropReason reason) => reason switch
    {
        DropReason.Malformed => "malformed",
        DropReason.BadFingerprint => "bad_fingerprint",
        DropReason.RateLimited => "rate_limited",
        DropReason.NoAllocation => "no_allocation",
        DropReason.NoPermission => "no_permission",
        DropReason.NoChannel => "no_channel",
        DropReason.Replayed => "replayed",
        DropReason.PeerPolicy => "peer_policy",
        _ => "relay_loop",
    };
}
