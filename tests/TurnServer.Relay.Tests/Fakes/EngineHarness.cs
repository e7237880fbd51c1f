using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Processing;

namespace TurnServer.Relay.Tests.Fakes;

/// <summary>An engine on a fake clock with fake relays, and a way to send it messages from any client.</summary>
internal sealed class EngineHarness
{
    public const string Realm = "example.org";
    public const string RestSecret = "rest-secret-1";

    public static readonly TransportAddress ServerAddress = TransportAddress.Parse("203.0.113.1:3478");
    public static readonly TransportAddress RelayIP = TransportAddress.Parse("203.0.113.1:0");
    public static readonly TransportAddress RelayIPv6 = TransportAddress.Parse("[2001:db8::1]:0");

    public EngineHarness(Func<TurnServerOptions, TurnServerOptions>? configure = null, IEnumerable<string>? restSecrets = null, IEnumerable<StaticUser>? moreUsers = null, bool streamClients = false, bool ipv6 = true)
    {
        var options = new TurnServerOptions { Realm = Realm, RelayAddresses = ipv6 ? [new RelayAddress(RelayIP), new RelayAddress(RelayIPv6)] : [new RelayAddress(RelayIP)], MinRelayPort = 50000, MaxRelayPort = 50099 };
        options = configure?.Invoke(options) ?? options;
        Options = options;
        Credentials = new CredentialStore(
            [StaticUser.FromPassword("alice", "alice-password", Realm), StaticUser.FromPassword("bob", "bob-password", Realm), .. moreUsers ?? []],
            new RestApiSecrets(restSecrets ?? [RestSecret], Realm, Time));
        Engine = new TurnEngine(options, Credentials, Relays, Time, tcpRelays: TcpRelays);
        Transport = new FakeClientTransport(streamClients);
    }

    public FakeTimeProvider Time { get; } = new();

    /// <summary>The options the engine started with, to derive reloaded ones from.</summary>
    public TurnServerOptions Options { get; }

    public FakeRelays Relays { get; } = new();

    public FakeTcpRelays TcpRelays { get; } = new();

    public FakeClientTransport Transport { get; }

    public CredentialStore Credentials { get; }

    public TurnEngine Engine { get; }

    public Response? Send(byte[] message, TransportAddress client, TransportProtocol protocol = TransportProtocol.Udp, Relaying.IClientTransport? transport = null)
    {
        var buffer = new byte[1500];
        var length = Engine.ProcessClientMessage(message, Context(new FiveTuple(client, ServerAddress, protocol), transport ?? Transport), buffer);
        return length == 0 ? null : new Response(buffer[..length]);
    }

    /// <summary>As the transports make it: the kind from the protocol, and what the listener can do from what it is.</summary>
    public static ClientContext Context(FiveTuple fiveTuple, Relaying.IClientTransport transport) =>
        new(fiveTuple, fiveTuple.Protocol == TransportProtocol.Tcp ? ClientTransportKind.Tcp : ClientTransportKind.Udp, transport)
        {
            BehaviorDiscovery = transport as Relaying.IBehaviorDiscoveryTransport,
            DataConnection = transport as Relaying.IStreamClient,
        };

    public Allocation AllocationOf(TransportAddress client, TransportProtocol protocol = TransportProtocol.Udp)
    {
        Assert.True(Engine.Allocations.TryGet(new FiveTuple(client, ServerAddress, protocol), out var allocation));
        return allocation!;
    }

    public FakeRelayEndpoint RelayOf(TransportAddress client, StunAddressFamily family = StunAddressFamily.IPv4) =>
        (FakeRelayEndpoint)AllocationOf(client).RelayFor(family)!.Endpoint;

    public TestClient Client(string address = "198.51.100.10:50000", string user = "alice", string password = "alice-password") =>
        new(this, TransportAddress.Parse(address), user, password);
}
