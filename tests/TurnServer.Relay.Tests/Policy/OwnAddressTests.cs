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
    public void WithoutOwnAddresses_OnlyThisHostsAreOwn()
    {
        var policy = new PeerAddressPolicy([], [], allowLoopback: false);
        Assert.False(policy.IsOwnService(TransportAddress.Parse("203.0.113.1:3478")));
        Assert.True(policy.IsOwnAddress(TransportAddress.Parse("127.0.0.1:3478")));
        Assert.True(policy.IsOwnAddress(TransportAddress.Parse("0.0.0.0:3478")));
        Assert.True(policy.IsOwnAddress(TransportAddress.Parse("[::ffff:127.0.0.5]:3478")));
    }

    [Theory]
    [InlineData("127.0.0.1:3478")]
    [InlineData("127.0.0.2:3478")]
    [InlineData("0.0.0.0:3478")]
    [InlineData("203.0.113.1:9641")]
    [InlineData("[::1]:3478")]
    [InlineData("[::ffff:127.0.0.1]:3478")]
    public void TheServersListeners_AreRefusedEvenWithLoopbackAndEverythingAllowed(string listener)
    {
        var harness = new EngineHarness(options => options with
        {
            PeerPolicy = new PeerAddressPolicy([IPRange.Parse("0.0.0.0/0"), IPRange.Parse("::/0")], [], allowLoopback: true, [IPRange.Parse("203.0.113.1")], 50000, 50099),
        });
        harness.Engine.OwnListeners.Add(Protocol.Attributes.TransportProtocol.Udp, 3478);
        harness.Engine.OwnListeners.Add(Protocol.Attributes.TransportProtocol.Udp, 9641);
        var alice = harness.Client();
        if (listener.StartsWith('['))
        {
            alice.Allocate((ref Protocol.Stun.StunMessageWriter w) =>
                w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6));
        }
        else
        {
            alice.Allocate();
        }

        Assert.Equal(403, alice.ChannelBind(0x4000, listener).ErrorCode);
        Assert.True(alice.CreatePermission(listener).IsSuccess);
        alice.SendIndication(listener, [1, 2, 3]);
        Assert.Empty(harness.RelayOf(alice.Address, listener.StartsWith('[') ? StunAddressFamily.IPv6 : StunAddressFamily.IPv4).Sent);
        Assert.Equal(2, harness.Engine.Counters.DroppedFor(TurnServer.Relay.Metrics.DropReason.RelayLoop));
    }

    [Fact]
    public void WithLoopbackAllowed_OtherPortsOfThisHost_ArePeers()
    {
        var harness = new EngineHarness(options => options with
        {
            PeerPolicy = new PeerAddressPolicy([], [], allowLoopback: true, [IPRange.Parse("203.0.113.1")], 50000, 50099),
        });
        harness.Engine.OwnListeners.Add(Protocol.Attributes.TransportProtocol.Udp, 3478);
        var alice = harness.Client();
        alice.Allocate();

        Assert.True(alice.ChannelBind(0x4000, "127.0.0.1:40000").IsSuccess);
        alice.SendIndication("127.0.0.1:40001", [1, 2, 3]);
        Assert.Single(harness.RelayOf(alice.Address).Sent);
    }
}
