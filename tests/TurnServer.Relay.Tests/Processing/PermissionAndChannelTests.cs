using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class PermissionAndChannelTests
{
    private const string Peer = "198.51.100.7:40000";

    [Fact]
    public void CreatePermission_InstallsEveryPeerGiven()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        Assert.True(client.CreatePermission(Peer, "198.51.100.8:1", "203.0.113.99:2").IsSuccess);
        var now = harness.Time.GetTimestamp();
        var allocation = harness.AllocationOf(client.Address);
        Assert.True(allocation.HasPermission(Protocol.Addressing.TransportAddress.Parse("198.51.100.7:9999"), now)); // any port of the IP
        Assert.True(allocation.HasPermission(Protocol.Addressing.TransportAddress.Parse("203.0.113.99:5"), now));
        Assert.False(allocation.HasPermission(Protocol.Addressing.TransportAddress.Parse("198.51.100.9:1"), now));
    }

    [Fact]
    public void CreatePermission_IsAllOrNothing()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        Assert.Equal(403, client.CreatePermission(Peer, "10.0.0.1:1").ErrorCode);
        Assert.False(harness.AllocationOf(client.Address).HasPermission(Protocol.Addressing.TransportAddress.Parse(Peer), harness.Time.GetTimestamp()));
    }

    [Fact]
    public void CreatePermission_WithoutPeer_Is400_AndWithoutAllocation_Is437()
    {
        var client = new EngineHarness().Client();
        Assert.Equal(437, client.CreatePermission(Peer).ErrorCode);
        client.Allocate();
        Assert.Equal(400, client.CreatePermission().ErrorCode);
    }

    [Fact]
    public void CreatePermission_ForAnIPv6Peer_OnAnIPv4Relay_Is443()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        Assert.Equal(443, client.CreatePermission("[2001:db8::7]:1").ErrorCode);
    }

    [Fact]
    public void Permission_ExpiresAfterFiveMinutes_UnlessRefreshed()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        client.CreatePermission(Peer);
        var peer = Protocol.Addressing.TransportAddress.Parse(Peer);
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        client.CreatePermission(Peer);
        harness.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(harness.AllocationOf(client.Address).HasPermission(peer, harness.Time.GetTimestamp()));
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(harness.AllocationOf(client.Address).HasPermission(peer, harness.Time.GetTimestamp()));
        harness.Engine.Sweep();
        Assert.Empty(harness.AllocationOf(client.Address).Permissions);
    }

    [Fact]
    public void Permissions_AreCappedPerAllocation_With508()
    {
        var harness = new EngineHarness(o => o with { MaxPeersPerAllocation = 3 });
        var client = harness.Client();
        client.Allocate();
        Assert.Equal(508, client.CreatePermission("198.51.100.1:1", "198.51.100.2:1", "198.51.100.3:1", "198.51.100.4:1").ErrorCode);
        Assert.Empty(harness.AllocationOf(client.Address).Permissions);
        Assert.True(client.CreatePermission("198.51.100.1:1", "198.51.100.2:1", "198.51.100.1:2").IsSuccess);
        Assert.True(client.CreatePermission("198.51.100.3:1", "198.51.100.2:9").IsSuccess); // one new, one refreshed
        Assert.Equal(508, client.CreatePermission("198.51.100.4:1").ErrorCode);
        Assert.Equal(3, harness.AllocationOf(client.Address).Permissions.Count);
    }

    [Fact]
    public void Channels_AreCappedPerAllocation_With508()
    {
        var harness = new EngineHarness(o => o with { MaxPeersPerAllocation = 2 });
        var client = harness.Client();
        client.Allocate();
        Assert.True(client.ChannelBind(0x4000, "198.51.100.1:1").IsSuccess);
        Assert.True(client.ChannelBind(0x4001, "198.51.100.1:2").IsSuccess);
        Assert.Equal(508, client.ChannelBind(0x4002, "198.51.100.1:3").ErrorCode);
        Assert.True(client.ChannelBind(0x4001, "198.51.100.1:2").IsSuccess);
    }

    [Fact]
    public void ChannelBind_BindsAndInstallsThePermission()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        Assert.True(client.ChannelBind(0x4000, Peer).IsSuccess);
        var allocation = harness.AllocationOf(client.Address);
        Assert.Equal(Protocol.Addressing.TransportAddress.Parse(Peer), allocation.FindChannel(0x4000)!.Peer);
        Assert.True(allocation.HasPermission(Protocol.Addressing.TransportAddress.Parse(Peer), harness.Time.GetTimestamp()));
    }

    [Theory]
    [InlineData(0x3FFF)]
    [InlineData(0x8000)]
    [InlineData(0xFFFF)]
    public void ChannelBind_OutsideTheRange_Is400(int channel)
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        Assert.Equal(400, client.ChannelBind((ushort)channel, Peer).ErrorCode);
    }

    [Fact]
    public void ChannelBind_RebindingRules()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        Assert.True(client.ChannelBind(0x4000, Peer).IsSuccess);
        Assert.True(client.ChannelBind(0x4000, Peer).IsSuccess); // refresh
        Assert.Equal(400, client.ChannelBind(0x4000, "198.51.100.8:1").ErrorCode); // number taken by another peer
        Assert.Equal(400, client.ChannelBind(0x4001, Peer).ErrorCode); // peer taken by another number
        Assert.True(client.ChannelBind(0x4001, "198.51.100.7:40001").IsSuccess); // same IP, other port: another transport address
    }

    [Fact]
    public void ExpiredChannel_CoolsDownForFiveMinutes_BeforeItsNumberCanBeReused()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate((ref StunMessageWriter w) => w.WriteUInt32(Protocol.Attributes.StunAttributeType.Lifetime, 3600));
        client.ChannelBind(0x4000, Peer);
        harness.Time.Advance(TimeSpan.FromMinutes(11));
        harness.Engine.Sweep();
        Assert.Equal(400, client.ChannelBind(0x4000, "198.51.100.8:1").ErrorCode);
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        harness.Engine.Sweep();
        Assert.True(client.ChannelBind(0x4000, "198.51.100.8:1").IsSuccess);
    }

    [Fact]
    public void ChannelBind_ToAForbiddenPeer_Is403()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        Assert.Equal(403, client.ChannelBind(0x4000, "169.254.169.254:80").ErrorCode);
    }
}
