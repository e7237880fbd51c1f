using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Tests.Fakes;

/// <summary>Relay endpoints that record what the engine sends to peers.</summary>
internal sealed class FakeRelays : IRelayEndpointFactory
{
    public List<FakeRelayEndpoint> Opened { get; } = [];

    /// <summary>Ports that behave as if another process held them.</summary>
    public HashSet<int> TakenElsewhere { get; } = [];

    public bool LastDontFragment { get; private set; }

    /// <summary>Off, endpoints only count, so a test can measure the engine's own allocations.</summary>
    public bool Record { get; set; } = true;

    public bool TryOpen(in TransportAddress address, bool dontFragment, IRelaySink sink, out IRelayEndpoint? endpoint)
    {
        endpoint = null;
        if (TakenElsewhere.Contains(address.Port))
        {
            return false;
        }

        LastDontFragment = dontFragment;
        var fake = new FakeRelayEndpoint(address, sink, this);
        Opened.Add(fake);
        endpoint = fake;
        return true;
    }
}

internal sealed class FakeRelayEndpoint(TransportAddress localAddress, IRelaySink sink, FakeRelays factory) : IRelayEndpoint
{
    public TransportAddress LocalAddress { get; } = localAddress;

    /// <summary>Where the transport would report what its socket receives.</summary>
    public IRelaySink Sink { get; } = sink;

    public List<(TransportAddress Peer, byte[] Data)> Sent { get; } = [];

    public int Count { get; private set; }

    public bool Disposed { get; private set; }

    public void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer)
    {
        Count++;
        if (factory.Record)
        {
            Sent.Add((peer, data.ToArray()));
        }
    }

    public void Dispose() => Disposed = true;
}

/// <summary>A listener that records what the engine sends to clients outside request/response.</summary>
internal sealed class FakeClientTransport(bool isStream = false) : IClientTransport
{
    public List<byte[]> Sent { get; } = [];

    public int Count { get; private set; }

    /// <summary>Off, messages are only counted.</summary>
    public bool Record { get; set; } = true;

    public IClientChannel CreateChannel(in TransportAddress client) => new Channel(this, isStream);

    private sealed class Channel(FakeClientTransport transport, bool isStream) : IClientChannel
    {
        public bool IsStream => isStream;

        public void Send(ReadOnlySpan<byte> message)
        {
            transport.Count++;
            if (transport.Record)
            {
                transport.Sent.Add(message.ToArray());
            }
        }
    }
}
