using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Tests.Fakes;

/// <summary>TCP relay sockets that exist only as records; Connect succeeds or fails as the test says.</summary>
internal sealed class FakeTcpRelays : ITcpRelayFactory
{
    public List<(TransportAddress Address, IRelaySink Sink)> Listening { get; } = [];

    public bool ConnectSucceeds { get; set; } = true;

    public bool TryListen(in TransportAddress address, IRelaySink sink, out IRelaySocket? listener)
    {
        Listening.Add((address, sink));
        listener = new Socket(address);
        return true;
    }

    public Task<IPeerConnection?> ConnectAsync(TransportAddress from, TransportAddress peer, TimeSpan timeout) =>
        Task.FromResult<IPeerConnection?>(ConnectSucceeds ? new FakePeerConnection(peer) : null);

    private sealed class Socket(TransportAddress address) : IRelaySocket
    {
        public TransportAddress LocalAddress { get; } = address;

        public void Dispose()
        {
        }
    }
}

internal sealed class FakePeerConnection(TransportAddress peer) : IPeerConnection
{
    public TransportAddress Peer { get; } = peer;

    public bool IsClosed { get; private set; }

    public void Dispose() => IsClosed = true;
}

/// <summary>A TCP client connection that records the peer a ConnectionBind splices it to.</summary>
internal sealed class FakeStreamClient : IStreamClient
{
    public IPeerConnection? Bound { get; private set; }

    public List<byte[]> Sent { get; } = [];

    public IClientChannel CreateChannel(in TransportAddress client) => new Channel(this);

    public void BindData(IPeerConnection peer) => Bound = peer;

    private sealed class Channel(FakeStreamClient owner) : IClientChannel
    {
        public bool IsStream => true;

        public void Send(ReadOnlySpan<byte> message) => owner.Sent.Add(message.ToArray());
    }
}
