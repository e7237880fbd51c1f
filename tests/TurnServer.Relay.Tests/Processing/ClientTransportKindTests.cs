using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

/// <summary>The engine decides by the kind of transport a client came over, which TLS and DTLS refine beyond the five-tuple's UDP or TCP.</summary>
public class ClientTransportKindTests
{
    private static readonly TransportAddress Attacker = TransportAddress.Parse("198.51.100.66:1");

    [Theory]
    [InlineData(ClientTransportKind.Tls, TransportProtocol.Udp)]
    [InlineData(ClientTransportKind.Dtls, TransportProtocol.Tcp)]
    [InlineData(ClientTransportKind.Udp, TransportProtocol.Tcp)]
    public void A_kind_that_disagrees_with_the_five_tuple_is_refused(ClientTransportKind kind, TransportProtocol protocol)
    {
        var fiveTuple = new FiveTuple(Attacker, EngineHarness.ServerAddress, protocol);

        Assert.Throws<ArgumentException>(() => new ClientContext(fiveTuple, kind, new FakeClientTransport()));
    }

    [Theory]
    [InlineData(ClientTransportKind.Dtls, 20)] // spoofable like UDP until the cookie: the per-IP budget
    [InlineData(ClientTransportKind.Tls, 100)] // a handshake proved the address: every request answered
    public void Unauthenticated_requests_are_budgeted_by_kind(ClientTransportKind kind, int answered)
    {
        var harness = new EngineHarness(o => o with { UnauthenticatedRequestsPerSecond = 10 });
        var request = harness.Client(Attacker.ToString()).Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false);
        var context = new ClientContext(new FiveTuple(Attacker, EngineHarness.ServerAddress, kind.Protocol()), kind, new FakeClientTransport(kind.IsStream()));
        var response = new byte[1500];

        Assert.Equal(answered, Enumerable.Range(0, 100).Count(_ => harness.Engine.ProcessClientMessage(request, context, response) > 0));
    }
}
