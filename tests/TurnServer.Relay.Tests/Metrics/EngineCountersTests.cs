using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Metrics;
using TurnServer.Relay.Tests.Fakes;
using TurnServer.Relay.Tests.Processing;

namespace TurnServer.Relay.Tests.Metrics;

public class EngineCountersTests
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void Requests_AreCountedByMethodAndResult()
    {
        var harness = new EngineHarness(o => o with { UserQuota = 1 });
        var client = harness.Client();
        client.Allocate();
        harness.Client("198.51.100.11:50000").Allocate();
        client.CreatePermission(Peer.ToString());

        var requests = harness.Engine.Counters.Requests.ToDictionary(r => (r.Method, r.Result), r => r.Count);
        Assert.Equal(2, requests[(StunMethod.Allocate, 401)]); // each client's first try, the challenge
        Assert.Equal(1, requests[(StunMethod.Allocate, EngineCounters.Success)]);
        Assert.Equal(1, requests[(StunMethod.Allocate, 486)]);
        Assert.Equal(1, requests[(StunMethod.CreatePermission, EngineCounters.Success)]);
        Assert.Equal(1, harness.Engine.Counters.AllocationsCreated);
        Assert.Equal(0, harness.Engine.Counters.AuthenticationFailures);
    }

    [Fact]
    public void WrongPassword_IsAnAuthenticationFailure_TheFirstChallengeIsNot()
    {
        var harness = new EngineHarness();
        harness.Client(password: "wrong").Allocate();

        Assert.Equal(1, harness.Engine.Counters.AuthenticationFailures);
    }

    [Fact]
    public void Traffic_IsCountedPerAllocation_AndKeptWhenItEnds()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.ChannelBind(0x4001, Peer.ToString());
        var allocation = harness.AllocationOf(client.Address);
        client.SendRaw(DataPathTests.ChannelData(0x4001, [1, 2, 3]));
        client.SendIndication(Peer.ToString(), [4, 5]);
        DataPathTests.FromPeer(harness, allocation, Peer, [6, 7, 8, 9]);

        Assert.Equal((2, 5, 1, 4), (allocation.Traffic.PacketsToPeer, allocation.Traffic.BytesToPeer, allocation.Traffic.PacketsToClient, allocation.Traffic.BytesToClient));

        client.Refresh(0);
        var ended = harness.Engine.Counters.EndedTraffic(Protocol.Attributes.TransportProtocol.Udp);
        Assert.Equal((2, 5, 1, 4), (ended.PacketsToPeer, ended.BytesToPeer, ended.PacketsToClient, ended.BytesToClient));
    }

    [Fact]
    public void Drops_AreCountedByReason()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.SendRaw(DataPathTests.ChannelData(0x4001, [1]));
        client.Allocate();
        client.SendRaw(DataPathTests.ChannelData(0x4001, [1]));
        client.SendIndication(Peer.ToString(), [1]);
        DataPathTests.FromPeer(harness, harness.AllocationOf(client.Address), Peer, [1]);
        client.SendRaw([0x00, 0x01, 0x00]);

        var counters = harness.Engine.Counters;
        Assert.Equal(1, counters.DroppedFor(DropReason.NoAllocation));
        Assert.Equal(1, counters.DroppedFor(DropReason.NoChannel));
        Assert.Equal(2, counters.DroppedFor(DropReason.NoPermission));
        Assert.Equal(1, counters.DroppedFor(DropReason.Malformed));
    }
}
