using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

/// <summary>What one allocation's relay socket reports, passed to the engine with the allocation it belongs to.</summary>
internal sealed class AllocationRelaySink(TurnEngine engine, Allocation allocation) : IRelaySink
{
    public void FromPeer(in TransportAddress peer, Span<byte> buffer, int dataOffset, int dataLength) =>
        engine.RelayToClient(allocation, peer, buffer, dataOffset, dataLength);

    public void PeerConnected(IPeerConnection connection) => engine.AcceptPeerConnection(allocation, connection);

    public void SocketFailed(string reason) => engine.EndAllocation(allocation.Id, reason);
}
