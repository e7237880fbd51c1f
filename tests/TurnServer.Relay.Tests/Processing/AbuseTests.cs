using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class AbuseTests
{
    [Fact]
    public void UnauthenticatedFloodFromOneAddress_IsRateLimited_WhileOtherAddressesAreServed()
    {
        var harness = new EngineHarness(o => o with { UnauthenticatedRequestsPerSecond = 10 });
        var attacker = harness.Client("198.51.100.66:1");
        var request = attacker.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false);
        var answered = Enumerable.Range(0, 100).Count(_ => attacker.SendRaw(request) is not null);
        Assert.Equal(20, answered); // the burst, then nothing within the same instant

        harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(attacker.SendRaw(request));
        Assert.True(harness.Client("198.51.100.67:1").Allocate().IsSuccess);
    }

    [Fact]
    public void OverTcp_EveryUnauthenticatedRequestIsAnswered_SinceNoneCanBeSpoofed()
    {
        var harness = new EngineHarness(o => o with { UnauthenticatedRequestsPerSecond = 10 }, streamClients: true);
        var client = harness.Client("198.51.100.66:1");
        client.Protocol = TransportProtocol.Tcp;
        var request = client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false);

        Assert.Equal(100, Enumerable.Range(0, 100).Count(_ => client.SendRaw(request) is { ErrorCode: 401 }));
    }

    [Fact]
    public void AuthenticatedRequests_AreNotRateLimited()
    {
        var harness = new EngineHarness(o => o with { UnauthenticatedRequestsPerSecond = 1 });
        var client = harness.Client();
        Assert.True(client.Allocate().IsSuccess);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(client.Refresh().IsSuccess);
        }
    }

    [Fact]
    public void UnauthenticatedAnswers_CarryNothingOptionalThatWouldMakeThemLarger()
    {
        var client = new EngineHarness().Client();
        client.AddFingerprint = false;
        var binding = client.Build(StunMethod.Binding, null, TransactionId.NewRandom(), signed: false);
        var response = client.Send(binding);
        Assert.Null(response.Software);
        Assert.False(response.Has(StunAttributeType.Fingerprint));
        Assert.Equal(32, response.Bytes.Length); // header and XOR-MAPPED-ADDRESS: what RFC 8489 requires

        var allocate = client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false);
        var challenge = client.Send(allocate);
        Assert.Null(challenge.Software);
        Assert.Equal(401, challenge.ErrorCode);
    }

    [Fact]
    public void UnauthenticatedAnswers_IncludeSoftware_WhenTheRequestWasLargeEnough()
    {
        var client = new EngineHarness().Client();
        var padded = client.Build(StunMethod.Binding, (ref StunMessageWriter w) => w.WriteAttribute(StunAttributeType.Software, new byte[64]), TransactionId.NewRandom(), signed: false);
        var response = client.Send(padded);
        Assert.Equal("turnserver", response.Software);
        Assert.True(response.Bytes.Length <= padded.Length);
    }
}
