using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class RefreshTests
{
    [Fact]
    public void Refresh_ExtendsTheAllocation()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(600u, client.Refresh().Lifetime);
        harness.Time.Advance(TimeSpan.FromMinutes(9));
        harness.Engine.Sweep();
        Assert.Equal(1, harness.Engine.Allocations.Count);
    }

    [Fact]
    public void Allocation_ExpiresWithoutRefresh_AndItsRelayIsReleased()
    {
        var harness = new EngineHarness();
        harness.Client().Allocate();
        var relay = harness.Relays.Opened[0];
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        harness.Engine.Sweep();
        Assert.Equal(0, harness.Engine.Allocations.Count);
        Assert.True(relay.Disposed);
    }

    [Fact]
    public void RefreshWithLifetimeZero_DeletesTheAllocation()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        var response = client.Refresh(0);
        Assert.True(response.IsSuccess);
        Assert.Equal(0u, response.Lifetime);
        Assert.Equal(0, harness.Engine.Allocations.Count);
        Assert.True(harness.Relays.Opened[0].Disposed);
        Assert.Equal(437, client.Refresh().ErrorCode);
    }

    [Fact]
    public void RefreshWithAFamilyTheAllocationLacks_Is443()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        var response = client.Request(Protocol.Stun.StunMethod.Refresh, (ref Protocol.Stun.StunMessageWriter w) =>
            w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.RequestedAddressFamily, Protocol.Addressing.StunAddressFamily.IPv6));
        Assert.Equal(443, response.ErrorCode);
    }

    [Fact]
    public void RefreshWithLifetimeZeroAndAFamily_DropsOnlyThatRelayOfADualAllocation()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate((ref Protocol.Stun.StunMessageWriter w) => w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.AdditionalAddressFamily, Protocol.Addressing.StunAddressFamily.IPv6));
        var response = client.Request(Protocol.Stun.StunMethod.Refresh, (ref Protocol.Stun.StunMessageWriter w) =>
        {
            w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.RequestedAddressFamily, Protocol.Addressing.StunAddressFamily.IPv6);
            w.WriteUInt32(Protocol.Attributes.StunAttributeType.Lifetime, 0);
        });
        Assert.True(response.IsSuccess);
        var allocation = harness.AllocationOf(client.Address);
        Assert.Equal(Protocol.Addressing.StunAddressFamily.IPv4, Assert.Single(allocation.Relays).Family);
        Assert.True(harness.Relays.Opened.Single(r => r.LocalAddress.Family == Protocol.Addressing.StunAddressFamily.IPv6).Disposed);
    }

    [Fact]
    public void RefreshWithoutAllocation_Is437()
    {
        Assert.Equal(437, new EngineHarness().Client().Refresh().ErrorCode);
    }

    [Fact]
    public void RefreshAfterExpiry_Is437()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        harness.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(437, client.Refresh().ErrorCode);
    }

    [Fact]
    public void RefreshLifetime_IsClampedToTheMaximum()
    {
        var harness = new EngineHarness(o => o with { MaxAllocationLifetime = TimeSpan.FromMinutes(20) });
        var client = harness.Client();
        client.Allocate();
        Assert.Equal(1200u, client.Refresh(100_000).Lifetime);
    }
}
