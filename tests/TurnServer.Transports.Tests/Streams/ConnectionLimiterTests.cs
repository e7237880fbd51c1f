using TurnServer.Protocol.Addressing;
using TurnServer.Transports.Streams;

namespace TurnServer.Transports.Tests.Streams;

/// <summary>Open connections per source (an IPv4 address or an IPv6 /64) and in all.</summary>
public class ConnectionLimiterTests
{
    private static readonly StreamTransportOptions Options = new() { MaxConnectionsPerIP = 2, MaxConnections = 5 };

    private static TransportAddress At(string address) => TransportAddress.Parse(address);

    [Fact]
    public void OneSlash64_HoldsAsManyConnectionsAsOneAddress()
    {
        var limiter = new ConnectionLimiter(Options);
        Assert.True(limiter.TryAcquire(At("[2001:db8:0:1::1]:1")));
        Assert.True(limiter.TryAcquire(At("[2001:db8:0:1::2]:1")));
        Assert.False(limiter.TryAcquire(At("[2001:db8:0:1::3]:1")));
        Assert.True(limiter.TryAcquire(At("[2001:db8:0:2::1]:1")));
    }

    [Fact]
    public void TheTotal_HoldsAcrossSources_AndAReleaseFreesAPlace()
    {
        var limiter = new ConnectionLimiter(Options);
        for (var i = 1; i <= Options.MaxConnections; i++)
        {
            Assert.True(limiter.TryAcquire(At($"192.0.2.{i}:1")));
        }

        Assert.False(limiter.TryAcquire(At("192.0.2.100:1")));
        limiter.Release(At("192.0.2.1:1"));
        Assert.True(limiter.TryAcquire(At("192.0.2.100:1")));
    }

    [Fact]
    public void ARefusalByTheSourceLimit_TakesNoPlaceFromTheTotal()
    {
        var limiter = new ConnectionLimiter(Options);
        Assert.True(limiter.TryAcquire(At("192.0.2.1:1")));
        Assert.True(limiter.TryAcquire(At("192.0.2.1:2")));
        for (var i = 0; i < 10; i++)
        {
            Assert.False(limiter.TryAcquire(At("192.0.2.1:3")));
        }

        for (var i = 2; i <= 4; i++)
        {
            Assert.True(limiter.TryAcquire(At($"192.0.2.{i}:1")));
        }
    }
}
