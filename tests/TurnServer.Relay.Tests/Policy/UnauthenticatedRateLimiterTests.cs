using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;

namespace TurnServer.Relay.Tests.Policy;

/// <summary>The budget of unauthenticated requests per source: a burst of twice the rate, refilled over time.</summary>
public class UnauthenticatedRateLimiterTests
{
    private const int Rate = 10;
    private readonly FakeTimeProvider _time = new();

    private static int Granted(UnauthenticatedRateLimiter limiter, string address, int attempts) =>
        Enumerable.Range(0, attempts).Count(_ => limiter.TryAcquire(TransportAddress.Parse(address)));

    [Fact]
    public void ASource_GetsABurstOfTwiceTheRate_ThenTheRate()
    {
        var limiter = new UnauthenticatedRateLimiter(Rate, new SourcePrefix(), _time);
        Assert.Equal(2 * Rate, Granted(limiter, "192.0.2.1:1000", 100));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Rate, Granted(limiter, "192.0.2.1:1000", 100));
    }

    [Fact]
    public void EveryAddressOfOneSlash64_SharesOneBudget()
    {
        var limiter = new UnauthenticatedRateLimiter(Rate, new SourcePrefix(), _time);
        var granted = Enumerable.Range(1, 100).Count(i => limiter.TryAcquire(TransportAddress.Parse($"[2001:db8:0:1::{i:x}]:5000")));

        Assert.Equal(2 * Rate, granted);
        Assert.Equal(2 * Rate, Granted(limiter, "[2001:db8:0:2::1]:5000", 100));
    }

    [Fact]
    public void ConcurrentRequestsFromOneSource_NeverGetMoreThanItsBudget()
    {
        var limiter = new UnauthenticatedRateLimiter(5_000, new SourcePrefix(), _time);
        var granted = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            Interlocked.Add(ref granted, Granted(limiter, "192.0.2.7:1", 20_000)));

        Assert.Equal(10_000, granted);
    }
}
