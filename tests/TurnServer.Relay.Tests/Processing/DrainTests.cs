using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class DrainTests
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void Draining_RefusesNewAllocationsWith508_AndServesLiveOnes()
    {
        var harness = new EngineHarness();
        var live = harness.Client();
        Assert.True(live.Allocate().IsSuccess);
        harness.Engine.Draining = true;

        var refused = harness.Client("198.51.100.11:50000").Allocate();
        Assert.Equal(508, refused.ErrorCode);
        Assert.True(refused.Has(StunAttributeType.MessageIntegrity));
        Assert.True(live.Refresh().IsSuccess);
        Assert.True(live.CreatePermission(Peer.ToString()).IsSuccess);
        live.SendIndication(Peer.ToString(), [1]);
        Assert.Single(harness.RelayOf(live.Address).Sent);
    }

    [Fact]
    public void Draining_WithAlternateServers_Answers300_TakingThemInTurn()
    {
        var alternates = new[] { TransportAddress.Parse("203.0.113.2:3478"), TransportAddress.Parse("203.0.113.3:3478") };
        var harness = new EngineHarness(o => o with { AlternateServers = alternates });
        harness.Engine.Draining = true;

        var first = harness.Client("198.51.100.11:50000").Allocate();
        var second = harness.Client("198.51.100.12:50000").Allocate();
        Assert.Equal(300, first.ErrorCode);
        Assert.True(first.Read().TryGetAddress(StunAttributeType.AlternateServer, out var firstAlternate));
        Assert.True(second.Read().TryGetAddress(StunAttributeType.AlternateServer, out var secondAlternate));
        Assert.Equal(alternates, new[] { firstAlternate, secondAlternate });
        Assert.Equal(0, harness.Engine.Allocations.Count);
    }
}
