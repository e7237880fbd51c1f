using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>
/// A token bucket per source (an IPv4 address or an IPv6 prefix) for requests that carry no valid
/// credentials, so a flood of unauthenticated Allocates costs the server little. Buckets live in a
/// fixed array indexed by a keyed hash of the source: memory stays constant however many addresses an
/// attacker spoofs, at the price of two sources occasionally sharing a budget. Each bucket has its own
/// gate, so receive threads contend only when their packets land in the same bucket.
/// </summary>
public sealed class UnauthenticatedRateLimiter
{
    private const int SlotCount = 1 << 16;

    private readonly Bucket[] _buckets = new Bucket[SlotCount];
    private readonly TimeProvider _time;
    private readonly SourcePrefix _sources;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly int _hashSeed = Random.Shared.Next();

    public UnauthenticatedRateLimiter(int requestsPerSecond, SourcePrefix sources, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _sources = sources;
        _tokensPerTick = requestsPerSecond / (double)time.TimestampFrequency;
        _burst = requestsPerSecond * 2.0;
    }

    /// <summary>Takes one token for the client's source; false means answer nothing.</summary>
    public bool TryAcquire(in TransportAddress client)
    {
        var source = _sources.KeyOf(client);
        var slot = (int)((uint)HashCode.Combine(source.Family, source.Prefix, _hashSeed) % SlotCount);
        ref var bucket = ref _buckets[slot];
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref bucket.Gate, 1, 0) != 0)
        {
            spin.SpinOnce();
        }

        try
        {
            var now = _time.GetTimestamp();
            var tokens = bucket.LastRefill == 0 ? _burst : Math.Min(_burst, bucket.Tokens + ((now - bucket.LastRefill) * _tokensPerTick));
            bucket.LastRefill = now;
            var granted = tokens >= 1;
            bucket.Tokens = granted ? tokens - 1 : tokens;
            return granted;
        }
        finally
        {
            Volatile.Write(ref bucket.Gate, 0);
        }
    }

    private struct Bucket
    {
        public int Gate;
        public double Tokens;
        public long LastRefill;
    }
}
