using System.Collections.Concurrent;
using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;

namespace TurnServer.Coordinator.Tests;

/// <summary>
/// Bases wired to each other in memory, with switches that drop packets between chosen ones, delay
/// them (on the given clock, so a fake one moves them only when the test moves it), or make them
/// arrive from another address than the one they left from.
/// </summary>
internal sealed class FakeNetwork(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<IPEndPoint, FakeBase> _bases = new();

    /// <summary>Drops a packet when it says so (from, to).</summary>
    public Func<IPEndPoint, IPEndPoint, bool> Drops { get; set; } = (_, _) => false;

    /// <summary>How long a packet takes (from, to); none by default.</summary>
    public Func<IPEndPoint, IPEndPoint, TimeSpan> Latency { get; set; } = (_, _) => TimeSpan.Zero;

    /// <summary>The source the receiver sees (from, to): the sender's own address by default.</summary>
    public Func<IPEndPoint, IPEndPoint, IPEndPoint> SourceSeen { get; set; } = (from, _) => from;

    public FakeBase Base(CandidateKind kind, string endPoint)
    {
        var packetBase = new FakeBase(this, kind, IPEndPoint.Parse(endPoint));
        _bases[packetBase.LocalEndPoint] = packetBase;
        return packetBase;
    }

    /// <summary>Packets to <paramref name="alias"/> reach <paramref name="packetBase"/> too (a new address of the same socket, after a network change).</summary>
    public void Alias(IPEndPoint alias, FakeBase packetBase) => _bases[alias] = packetBase;

    private async Task DeliverAsync(IPEndPoint from, IPEndPoint to, ReadOnlyMemory<byte> packet)
    {
        if (Latency(from, to) is { } latency && latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, time ?? TimeProvider.System);
        }

        if (!Drops(from, to) && _bases.TryGetValue(to, out var target))
        {
            target.Receive(SourceSeen(from, to), packet);
        }
    }

    internal sealed class FakeBase(FakeNetwork network, CandidateKind kind, IPEndPoint localEndPoint) : PacketBase
    {
        private PacketHandler? _handler;

        public override CandidateKind Kind => kind;

        public override ClientTransport Transport => ClientTransport.Udp;

        public override IPEndPoint LocalEndPoint => localEndPoint;

        public override ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            var copy = packet.ToArray();
            _ = Task.Run(() => network.DeliverAsync(localEndPoint, to, copy), CancellationToken.None); // as a socket: the sender does not wait
            return ValueTask.CompletedTask;
        }

        public override void Start(PacketHandler handler) => _handler = handler;

        public void Receive(IPEndPoint from, ReadOnlyMemory<byte> packet) => _handler?.Invoke(this, from, packet.Span);

        public override ValueTask DisposeAsync()
        {
            _handler = null;
            return ValueTask.CompletedTask;
        }
    }
}
