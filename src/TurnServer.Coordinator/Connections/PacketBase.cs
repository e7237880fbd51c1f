using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// Where a connection's packets leave from and arrive at (ICE's "base"): the attempt's own UDP
/// socket, or its TURN allocation. Checks and data go through the same bases.
/// </summary>
internal abstract class PacketBase : IAsyncDisposable
{
    public delegate void PacketHandler(PacketBase at, IPEndPoint from, ReadOnlySpan<byte> packet);

    /// <summary>Host for a socket, Relayed for a TURN allocation.</summary>
    public abstract CandidateKind Kind { get; }

    /// <summary>How the packets travel to the first hop: UDP, or TCP/TLS to a TURN server.</summary>
    public abstract ClientTransport Transport { get; }

    /// <summary>The address others send to: the socket's, or the relayed address.</summary>
    public abstract IPEndPoint LocalEndPoint { get; }

    public abstract ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken);

    /// <summary>Starts delivering what arrives; the handler runs on the receive loop and must not block.</summary>
    public abstract void Start(PacketHandler handler);

    public abstract ValueTask DisposeAsync();
}
