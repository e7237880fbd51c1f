using System.Collections.Concurrent;
using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;

namespace TurnServer.Host.Tests.Coordinator;

/// <summary>Bases wired to each other in memory, with a switch that drops packets between chosen ones.</summary>
internal sealed class FakeNetwork
{
    private readonly ConcurrentDictionary<IPEndPoint, FakeBase> _bases = new();

    /// <summary>Drops a packet when it says so (from, to).</summary>
    public Func<IPEndPoint, IPEndPoint, bool> Drops { get; set; } = (_, _) => false;

    public FakeBase Base(CandidateKind kind, string endPoint)
    {
        var packetBase = new FakeBase(this, kind, IPEndPoint.Parse(endPoint));
        _bases[packetBase.LocalEndPoint] = packetBase;
        return packetBase;
    }

    private void Deliver(IPEndPoint from, IPEndPoint to, ReadOnlyMemory<byte> packet)
    {
        if (!Drops(from, to) && _bases.TryGetValue(to, out var target))
        {
            target.Receive(from, packet);
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
            _ = Task.Run(() => network.Deliver(localEndPoint, to, copy), CancellationToken.None); // as a socket: the sender does not wait
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
