using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Relaying;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

/// <summary>RFC 5780 on a listener of a discovery group: OTHER-ADDRESS, RESPONSE-ORIGIN, and answers from the address CHANGE-REQUEST names.</summary>
public class BehaviorDiscoveryTests
{
    private static readonly TransportAddress Primary = TransportAddress.Parse("192.0.2.1:3478");
    private static readonly TransportAddress Other = TransportAddress.Parse("192.0.2.2:3479");

    [Fact]
    public void PlainBinding_IsAnsweredHere_NamingTheOtherAddress()
    {
        var (client, discovery) = Setup();
        var response = client.Send(Binding(ChangeRequest.None));

        Assert.True(response.IsSuccess);
        Assert.True(response.Read().TryGetAddress(StunAttributeType.ResponseOrigin, out var origin));
        Assert.Equal(Primary, origin);
        Assert.True(response.Read().TryGetAddress(StunAttributeType.OtherAddress, out var other));
        Assert.Equal(Other, other);
        Assert.Empty(discovery.SentFrom);
    }

    [Theory]
    [InlineData(ChangeRequest.ChangeIP | ChangeRequest.ChangePort, "192.0.2.2:3479")]
    [InlineData(ChangeRequest.ChangePort, "192.0.2.1:3479")]
    [InlineData(ChangeRequest.ChangeIP, "192.0.2.2:3478")]
    public void ChangeRequest_IsAnsweredFromTheAddressItNames(ChangeRequest change, string expectedOrigin)
    {
        var (client, discovery) = Setup();

        Assert.Null(client.SendRaw(Binding(change)));
        var (from, to, message) = Assert.Single(discovery.SentFrom);
        Assert.Equal(TransportAddress.Parse(expectedOrigin), from);
        Assert.Equal(client.Address, to);
        var response = new Response(message);
        Assert.Equal(client.Address, response.MappedAddress);
        Assert.True(response.Read().TryGetAddress(StunAttributeType.ResponseOrigin, out var origin));
        Assert.Equal(from, origin);
    }

    private static (TestClient Client, FakeDiscoveryTransport Discovery) Setup()
    {
        var harness = new EngineHarness();
        var discovery = new FakeDiscoveryTransport(harness.Transport);
        var client = harness.Client();
        client.Transport = discovery;
        return (client, discovery);
    }

    private static byte[] Binding(ChangeRequest change)
    {
        var buffer = new byte[100];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, TransactionId.NewRandom());
        if (change != ChangeRequest.None)
        {
            writer.WriteChangeRequest(change);
        }

        return writer.Written.ToArray();
    }

    /// <summary>A primary listener of a group on 192.0.2.1/192.0.2.2, ports 3478/3479.</summary>
    private sealed class FakeDiscoveryTransport(IClientTransport inner) : IBehaviorDiscoveryTransport
    {
        public List<(TransportAddress From, TransportAddress To, byte[] Message)> SentFrom { get; } = [];

        public TransportAddress LocalAddress => Primary;

        public TransportAddress OtherAddress => Other;

        public IClientChannel CreateChannel(in TransportAddress client) => inner.CreateChannel(client);

        public TransportAddress OriginFor(bool changeIP, bool changePort) =>
            TransportAddress.Parse($"{(changeIP ? "192.0.2.2" : "192.0.2.1")}:{(changePort ? 3479 : 3478)}");

        public void SendFrom(in TransportAddress origin, in TransportAddress client, ReadOnlySpan<byte> message) => SentFrom.Add((origin, client, message.ToArray()));
    }
}
