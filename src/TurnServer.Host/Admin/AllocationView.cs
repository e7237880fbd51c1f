using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;

namespace TurnServer.Host.Admin;

/// <summary>One live allocation as the admin API lists it.</summary>
internal sealed record AllocationView(
    long Id,
    string User,
    string Client,
    string Transport,
    string[] Relayed,
    long AgeSeconds,
    long ExpiresInSeconds,
    int Permissions,
    int Channels,
    long PacketsToPeer,
    long BytesToPeer,
    long PacketsToClient,
    long BytesToClient)
{
    public static AllocationView Of(Allocation allocation, TimeProvider time)
    {
        var now = time.GetTimestamp();
        return new AllocationView(
            allocation.Id,
            allocation.Username,
            allocation.FiveTuple.Client.ToString(),
            allocation.FiveTuple.Protocol == TransportProtocol.Tcp ? "tcp" : "udp",
            [.. allocation.Relays.Select(r => r.Address.ToString())],
            (long)time.GetElapsedTime(allocation.CreatedAt, now).TotalSeconds,
            (long)Math.Max(0, (allocation.ExpiresAt - now) / (double)time.TimestampFrequency),
            allocation.Permissions.Count,
            allocation.Channels.Count,
            allocation.Traffic.PacketsToPeer,
            allocation.Traffic.BytesToPeer,
            allocation.Traffic.PacketsToClient,
            allocation.Traffic.BytesToClient);
    }
}
