using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Policy;

/// <summary>Every way of naming an internal address is refused by default (SSRF through the relay).</summary>
public class PeerAddressPolicyTests
{
    public static TheoryData<string, string> ForbiddenPeers => new()
    {
        { "127.0.0.1", "loopback" },
        { "127.255.255.254", "loopback" },
        { "0.0.0.0", "this network" },
        { "0.1.2.3", "this network" },
        { "10.0.0.1", "RFC 1918" },
        { "172.16.0.1", "RFC 1918" },
        { "172.31.255.255", "RFC 1918" },
        { "192.168.1.1", "RFC 1918" },
        { "100.64.0.1", "carrier-grade NAT" },
        { "169.254.169.254", "cloud metadata" },
        { "169.254.0.1", "link-local" },
        { "192.0.0.8", "IETF protocol assignments" },
        { "224.0.0.1", "multicast" },
        { "239.255.255.250", "multicast (SSDP)" },
        { "255.255.255.255", "broadcast" },
        { "240.0.0.1", "reserved" },
        { "::1", "IPv6 loopback" },
        { "::", "IPv6 unspecified" },
        { "fe80::1", "IPv6 link-local" },
        { "fc00::1", "unique local" },
        { "fd12:3456::1", "unique local" },
        { "ff02::1", "IPv6 multicast" },
        { "fec0::1", "site-local" },
        { "::ffff:127.0.0.1", "IPv4-mapped loopback" },
        { "::ffff:10.0.0.1", "IPv4-mapped private" },
        { "::ffff:169.254.169.254", "IPv4-mapped metadata" },
        { "::ffff:0:127.0.0.1", "IPv4-translated loopback" },
        { "::127.0.0.1", "IPv4-compatible loopback" },
        { "64:ff9b::7f00:1", "NAT64 of loopback" },
        { "64:ff9b::a9fe:a9fe", "NAT64 of metadata" },
        { "64:ff9b:1::1", "local-use NAT64" },
        { "2002:7f00:1::1", "6to4 of loopback" },
        { "2002:c0a8:101::1", "6to4 of 192.168.1.1" },
        { "2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo of 127.0.0.1" },
    };

    public static TheoryData<string> AllowedPeers => new()
    {
        "203.0.113.5", "198.51.100.7", "8.8.8.8", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
    };

    [Theory]
    [MemberData(nameof(ForbiddenPeers))]
    public void Default_RefusesInternalAddresses(string address, string kind)
    {
        Assert.False(PeerAddressPolicy.Default.IsAllowed(Peer(address)), kind);
    }

    [Theory]
    [MemberData(nameof(AllowedPeers))]
    public void Default_AllowsPublicAddresses(string address)
    {
        Assert.True(PeerAddressPolicy.Default.IsAllowed(Peer(address)));
    }

    [Theory]
    [MemberData(nameof(ForbiddenPeers))]
    public void Engine_RefusesInternalAddresses_InCreatePermissionAndChannelBind(string address, string kind)
    {
        var peer = Peer(address);
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate((ref Protocol.Stun.StunMessageWriter w) => w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        Assert.True(client.CreatePermission(peer.ToString()).ErrorCode == 403, kind);
        Assert.True(client.ChannelBind(0x4000, peer.ToString()).ErrorCode == 403, kind);
    }

    [Theory]
    [MemberData(nameof(ForbiddenPeers))]
    public void Engine_RefusesInternalAddresses_InSendAndConnect(string address, string kind)
    {
        var peer = Peer(address);
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate((ref Protocol.Stun.StunMessageWriter w) => w.WriteAddressFamily(Protocol.Attributes.StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        client.SendIndication(peer.ToString(), [1, 2, 3]);
        Assert.True(harness.Relays.Opened.All(relay => relay.Sent.Count == 0), kind);

        // A TCP allocation relays IPv4 only: an IPv6 peer is refused for its family (443) before its address is looked at.
        var (_, control, _) = Processing.TcpRelayTests.TcpAllocation();
        var code = control.Send(Processing.TcpRelayTests.Connect(control, peer.ToString())).ErrorCode;
        Assert.True(code == 403 || (peer.Family == StunAddressFamily.IPv6 && code == 443), $"{kind}: {code}");
    }

    [Fact]
    public void AllowLoopback_OpensLoopbackInEveryForm_AndNothingElse()
    {
        var policy = new PeerAddressPolicy([], [], allowLoopback: true);
        Assert.True(policy.IsAllowed(Peer("127.0.0.1")));
        Assert.True(policy.IsAllowed(Peer("::1")));
        Assert.True(policy.IsAllowed(Peer("::ffff:127.0.0.1")));
        Assert.False(policy.IsAllowed(Peer("10.0.0.1")));
        Assert.False(policy.IsAllowed(Peer("169.254.169.254")));
    }

    [Fact]
    public void AllowedRanges_WinOverDefaultDenies_AndDeniedRangesAddToThem()
    {
        var policy = new PeerAddressPolicy([IPRange.Parse("10.1.0.0/16")], [IPRange.Parse("203.0.113.0/24"), IPRange.Parse("198.51.100.1-198.51.100.9")], allowLoopback: false);
        Assert.True(policy.IsAllowed(Peer("10.1.2.3")));
        Assert.True(policy.IsAllowed(Peer("::ffff:10.1.2.3")));
        Assert.False(policy.IsAllowed(Peer("10.2.0.1")));
        Assert.False(policy.IsAllowed(Peer("203.0.113.77")));
        Assert.False(policy.IsAllowed(Peer("198.51.100.5")));
        Assert.True(policy.IsAllowed(Peer("198.51.100.10")));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", "10.255.255.255")]
    [InlineData("10.1.2.3/8", "10.0.0.0", "10.255.255.255")]
    [InlineData("192.0.2.7", "192.0.2.7", "192.0.2.7")]
    [InlineData("0.0.0.0/0", "0.0.0.0", "255.255.255.255")]
    [InlineData("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("198.51.100.1-198.51.100.9", "198.51.100.1", "198.51.100.9")]
    public void IPRange_ParsesCidrSingleAddressesAndRanges(string text, string first, string last)
    {
        var range = IPRange.Parse(text);
        Assert.True(range.Contains(Peer(first)));
        Assert.True(range.Contains(Peer(last)));
        Assert.Equal(Peer(first).AddressValue, range.First);
        Assert.Equal(Peer(last).AddressValue, range.Last);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not an address")]
    [InlineData("10.0.0.9-10.0.0.1")]
    [InlineData("10.0.0.1-::1")]
    public void IPRange_RefusesNonsense(string text)
    {
        Assert.ThrowsAny<FormatException>(() => IPRange.Parse(text));
    }

    private static TransportAddress Peer(string address) => TransportAddress.FromIPAddress(System.Net.IPAddress.Parse(address), 3478);
}
