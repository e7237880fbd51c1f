namespace TurnServer.Relay.Metrics;

/// <summary>
/// Packets and bytes relayed each way. An allocation's own counters have one writer per direction
/// (the receive loop its client's packets arrive on, and its relay socket's loop), so the data path
/// counts with plain additions: no lock, no interlocked instruction per packet.
/// </summary>
public sealed class RelayTraffic
{
    private long _packetsToPeer;
    private long _bytesToPeer;
    private long _packetsToClient;
    private long _bytesToClient;

    public long PacketsToPeer => Volatile.Read(ref _packetsToPeer);

    public long BytesToPeer => Volatile.Read(ref _bytesToPeer);

    public long PacketsToClient => Volatile.Read(ref _packetsToClient);

    public long BytesToClient => Volatile.Read(ref _bytesToClient);

    internal void CountToPeer(int bytes)
    {
        _packetsToPeer++;
        _bytesToPeer += bytes;
    }

    internal void CountToClient(int bytes)
    {
        _packetsToClient++;
        _bytesToClient += bytes;
    }

    /// <summary>Folds an ended allocation's counts into a total that several threads add to.</summary>
    internal void Add(RelayTraffic ended)
    {
        Interlocked.Add(ref _packetsToPeer, ended.PacketsToPeer);
        Interlocked.Add(ref _bytesToPeer, ended.BytesToPeer);
        Interlocked.Add(ref _packetsToClient, ended.PacketsToClient);
        Interlocked.Add(ref _bytesToClient, ended.BytesToClient);
    }
}
