using System.Net;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Protocol.Tests.Addressing;

public class TransportAddressTests
{
    [Theory]
    [InlineData("203.0.113.9:3478", StunAddressFamily.IPv4)]
    [InlineData("[2001:db8::9]:5349", StunAddressFamily.IPv6)]
    [InlineData("[::ffff:127.0.0.1]:1", StunAddressFamily.IPv6)]
    public void ConvertsToAndFromIPEndPoint(string text, StunAddressFamily family)
    {
        var endPoint = IPEndPoint.Parse(text);
        var address = TransportAddress.FromIPEndPoint(endPoint);
        Assert.Equal(family, address.Family);
        Assert.Equal(endPoint, address.ToIPEndPoint());
        Assert.Equal(endPoint.ToString(), address.ToString());
    }

    [Fact]
    public void EqualityTakesFamilyAddressAndPort()
    {
        var a = TransportAddress.Parse("192.0.2.1:1000");
        Assert.Equal(a, TransportAddress.Parse("192.0.2.1:1000"));
        Assert.Equal(a.GetHashCode(), TransportAddress.Parse("192.0.2.1:1000").GetHashCode());
        Assert.NotEqual(a, a.WithPort(1001));
        Assert.NotEqual(a, TransportAddress.Parse("192.0.2.2:1000"));
        // The IPv4-mapped form is a different address on the wire and in tables.
        Assert.NotEqual(a, TransportAddress.Parse("[::ffff:192.0.2.1]:1000"));
        Assert.NotEqual(TransportAddress.Parse("0.0.0.1:1"), TransportAddress.Parse("[::1]:1"));
    }

    [Fact]
    public void FromIPv4_TakesTheAddressAsANumber()
    {
        Assert.Equal(TransportAddress.Parse("192.0.2.1:9"), TransportAddress.FromIPv4(0xC0000201, 9));
        Span<byte> bytes = stackalloc byte[16];
        Assert.Equal(4, TransportAddress.FromIPv4(0xC0000201, 9).WriteAddressBytes(bytes));
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, bytes[..4].ToArray());
    }

    [Fact]
    public void FromBytes_RefusesLengthsOtherThan4Or16()
    {
        Assert.Throws<ArgumentException>(() => TransportAddress.FromBytes(new byte[5], 1));
    }
}
