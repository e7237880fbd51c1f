using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Policy;

/// <summary>
/// The server's own address as a peer: another allocation's relayed address (two relay-only clients
/// of one server) is relayed to; the server's other listeners are not.
/// </summary>
public sealed class OwnAddressTests
{
    private readonly EngineHarness _harness = new(options => options with
    {
        PeerPolicy = new PeerAddressPolicy([], [], allowLoopback: false, [IPRange.Parse("203.0.113.1")], 50000, 50099),
    });

    [Fact]
    public void AnotherAllocationsRelayedAddress_IsAPeer()
    {
        var alice = _harness.Client();
        alice.Allocate();
        Assert.True(alice.CreatePermission("203.0.113.1:50005").IsSuccess);
        Assert.True(alice.ChannelBind(0x4000, "203.0.113.1:50005").IsSuccess);
        alice.SendIndication("203.0.113.1:50005", [1, 2, 3]);
        Assert.Single(_harness.RelayOf(alice.Address).Sent);
    }

    [Fact]
    public void TheServersListeners_AreNot()
    {
        var alice = _harness.Client();
        alice.Allocate();
        Assert.True(alice.CreatePermission("203.0.113.1:3478").IsSuccess); // a permission has no port
        Assert.Equal(403, alice.ChannelBind(0x4000, "203.0.113.1:3478").ErrorCode);
        alice.SendIndication("203.0.113.1:3478", [1, 2, 3]);
        alice.SendIndication("203.0.113.1:8080", [1, 2, 3]);
        Assert.Empty(_harness.RelayOf(alice.Address).Sent);
    }

    [Fact]
    public void WithoutOwnAddresses_NothingIsAListener() =>
        Assert.False(new PeerAddressPolicy([], [], allowLoopback: false).IsOwnListener(TransportAddress.Parse("203.0.113.1:3478")));
}
