using System.Net;
using System.Net.Sockets;

namespace TurnServer.Coordinator.Candidates;

/// <summary>
/// Which of a peer's candidates we send checks to. A description comes from any registered peer,
/// and every candidate in it gets checks (eight packets each, again and again): without a limit a
/// peer could point us at a victim, at our own loopback services, or at a broadcast address.
/// </summary>
internal static class RemoteCandidatePolicy
{
    /// <summary>The candidates to check: at most <paramref name="max"/>, none to an address no peer can have.</summary>
    public static IEnumerable<(Candidate Candidate, IPEndPoint EndPoint)> Acceptable(IEnumerable<Candidate> candidates, int max, bool allowLoopback) =>
        candidates
            .Select(candidate => (Candidate: candidate, EndPoint: candidate.ToEndPoint()))
            .Where(c => c.EndPoint is not null && IsReachableUnicast(c.EndPoint.Address, allowLoopback))
            .Take(max)
            .Select(c => (c.Candidate, c.EndPoint!));

    /// <summary>An address a peer's socket can have: not unspecified, multicast, broadcast, or (unless allowed) loopback.</summary>
    public static bool IsReachableUnicast(IPAddress address, bool allowLoopback)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            return bytes[0] != 0 && bytes[0] < 224; // 0/8 is "this network", 224/4 multicast, 240/4 reserved and broadcast
        }

        return !address.Equals(IPAddress.IPv6None) && !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
    }
}
