using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Benchmarks.Relay;

/// <summary>
/// A TurnEngine with one authenticated allocation, a permission and a channel to one peer, and relay
/// endpoints and a client channel that only count: the engine's own per-packet work, without sockets.
/// </summary>
internal sealed class RelayPathHarness
{
    public const ushort Channel = 0x4000;
    private const string Realm = "example.org";
    private static readonly TransportAddress Server = TransportAddress.Parse("203.0.113.1:3478");
    private readonly CountingRelays _relays = new();
    private readonly CountingClientTransport _clients = new();
    private readonly byte[] _response = new byte[1500];
    private string? _nonce;

    public RelayPathHarness()
    {
        var options = new TurnServerOptions { Realm = Realm, RelayAddresses = [new RelayAddress(TransportAddress.Parse("203.0.113.1:0"))], MinRelayPort = 50000, MaxRelayPort = 50099 };
        Engine = new TurnEngine(options, new CredentialStore([StaticUser.FromPassword("alice", "alice-password", Realm)], null), _relays, TimeProvider.System);
        Context = new ClientContext(new FiveTuple(ClientAddress, Server, TransportProtocol.Udp), ClientTransportKind.Udp, _clients);
        Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
        Request(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.WriteChannelNumber(Channel);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, Peer);
        });
        if (!Engine.Allocations.TryGet(Context.FiveTuple, out var allocation))
        {
            throw new InvalidOperationException("the allocation was not made");
        }

        Allocation = allocation!;
    }

    public delegate void WriteAttributes(ref StunMessageWriter writer);

    public static TransportAddress ClientAddress { get; } = TransportAddress.Parse("198.51.100.10:50000");

    public static TransportAddress Peer { get; } = TransportAddress.Parse("192.0.2.7:40000");

    public TurnEngine Engine { get; }

    public ClientContext Context { get; }

    public Allocation Allocation { get; }

    /// <summary>Where the allocation's relay socket reports a peer's datagram, as the UDP transport does.</summary>
    public IRelaySink Sink => _relays.LastSink!;

    /// <summary>Datagrams the engine sent to peers and messages it sent to the client.</summary>
    public long Relayed => _relays.Count + _clients.Count;

    public int Process(ReadOnlySpan<byte> message) => Engine.ProcessClientMessage(message, Context, _response);

    public static byte[] Indication(StunMethod method, WriteAttributes attributes)
    {
        var writer = new StunMessageWriter(new byte[1500], new StunMessageType(method, StunClass.Indication), TransactionId.NewRandom());
        attributes(ref writer);
        return writer.Written.ToArray();
    }

    private void Request(StunMethod method, WriteAttributes attributes)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var writer = new StunMessageWriter(new byte[1500], new StunMessageType(method, StunClass.Request), TransactionId.NewRandom());
            attributes(ref writer);
            if (_nonce is not null)
            {
                var key = new byte[LongTermCredentials.Md5KeyLength];
                LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, "alice", Realm, "alice-password", key);
                writer.WriteUtf8(StunAttributeType.Username, "alice");
                writer.WriteUtf8(StunAttributeType.Realm, Realm);
                writer.WriteUtf8(StunAttributeType.Nonce, _nonce);
                writer.WriteMessageIntegrity(key);
            }

            var length = Process(writer.Written);
            if (StunMessage.Read(_response.AsSpan(0, length), out var response) != StunReadStatus.Ok)
            {
                throw new InvalidOperationException($"no answer to {method}");
            }

            if (response.Class == StunClass.SuccessResponse)
            {
                return;
            }

            if (!response.TryGetAttribute(StunAttributeType.Nonce, out var nonce))
            {
                throw new InvalidOperationException($"{method} refused");
            }

            _nonce = System.Text.Encoding.UTF8.GetString(nonce);
        }

        throw new InvalidOperationException($"{method} refused after authenticating");
    }

    private sealed class CountingRelays : IRelayEndpointFactory
    {
        public long Count { get; set; }

        public IRelaySink? LastSink { get; private set; }

        public bool TryOpen(in TransportAddress address, bool dontFragment, IRelaySink sink, out IRelayEndpoint? endpoint)
        {
            LastSink = sink;
            endpoint = new Endpoint(address, this);
            return true;
        }

        private sealed class Endpoint(TransportAddress address, CountingRelays relays) : IRelayEndpoint
        {
            public TransportAddress LocalAddress { get; } = address;

            public void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer) => relays.Count++;

            public void Dispose()
            {
            }
        }
    }

    private sealed class CountingClientTransport : IClientTransport
    {
        public long Count { get; set; }

        public IClientChannel CreateChannel(in TransportAddress client) => new Channel(this);

        private sealed class Channel(CountingClientTransport transport) : IClientChannel
        {
            public bool IsStream => false;

            public void Send(ReadOnlySpan<byte> message) => transport.Count++;
        }
    }
}
