using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;

namespace TurnServer.Relay.Tests.Policy;

/// <summary>Which client addresses share one budget: an IPv4 address, or an IPv6 prefix.</summary>
public class SourcePrefixTests
{
    private static SourceKey Key(SourcePrefix prefix, string address) => prefix.KeyOf(TransportAddress.Parse(address));

    [Theory]
    [InlineData("[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:2000")]
    [InlineData("[2001:db8:1:2::1]:1000", "[2001:db8:1:2:8000::]:1000")]
    public void IPv6AddressesInOneSlash64_AreOneSource(string one, string other) =>
        Assert.Equal(Key(new SourcePrefix(), one), Key(new SourcePrefix(), other));

    [Theory]
    [InlineData("[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1000")]
    [InlineData("[2001:db8:1:2::1]:1000", "[2001:db9:1:2::1]:1000")]
    public void IPv6AddressesInDifferentSlash64s_AreDifferentSources(string one, string other) =>
        Assert.NotEqual(Key(new SourcePrefix(), one), Key(new SourcePrefix(), other));

    [Fact]
    public void ThePrefixLength_IsConfigurable()
    {
        Assert.Equal(Key(new SourcePrefix(48), "[2001:db8:1:2::1]:1"), Key(new SourcePrefix(48), "[2001:db8:1:ffff::1]:1"));
        Assert.NotEqual(Key(new SourcePrefix(128), "[2001:db8:1:2::1]:1"), Key(new SourcePrefix(128), "[2001:db8:1:2::2]:1"));
    }

    [Fact]
    public void IPv4Addresses_AreEachTheirOwnSource_WhateverThePort()
    {
        var prefix = new SourcePrefix();
        Assert.NotEqual(Key(prefix, "192.0.2.1:1000"), Key(prefix, "192.0.2.2:1000"));
        Assert.Equal(Key(prefix, "192.0.2.1:1000"), Key(prefix, "192.0.2.1:2000"));
    }

    [Fact]
    public void AnIPv4MappedAddress_IsItsIPv4Address_NotASlash64OfAllIPv4()
    {
        var prefix = new SourcePrefix();
        Assert.Equal(Key(prefix, "192.0.2.1:1"), Key(prefix, "[::ffff:192.0.2.1]:1"));
        Assert.NotEqual(Key(prefix, "[::ffff:192.0.2.1]:1"), Key(prefix, "[::ffff:192.0.2.2]:1"));
    }

    [Fact]
    public void IPv4AndIPv6_NeverShareASource() =>
        Assert.NotEqual(Key(new SourcePrefix(128), "0.0.0.1:1"), Key(new SourcePrefix(128), "[::1]:1"));

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public void ALengthOutsideOneTo128_IsRefused(int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SourcePrefix(length));
}
