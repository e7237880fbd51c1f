using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Policy;

/// <summary>
/// A token bucket per client IP for requests that carry no valid credentials, so a flood of
/// unauthenticated Allocates costs the server little. Buckets live in a fixed array indexed by a keyed
/// hash of the address: memory stays constant however many source addresses an attacker spoofs, at the
/// price of two addresses occasionally sharing a budget.
/// </summary>
public sealed class UnauthenticatedRateLimiter
{
    private const int SlotCount = 1 << 16;

    private readonly Bucket[] _buckets = new Bucket[SlotCount];
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly int _hashSeed = Random.Shared.Next();

    public UnauthenticatedRateLimiter(int requestsPerSecond, TimeProvider time)
    {
        _time = time;
        _tokensPerTick = requestsPerSecond / (double)time.TimestampFrequency;
        _burst = requestsPerSecond * 2.0;
    }

    /// <summary>Takes one token for the client's IP; false means answer nothing.</summary>
    public bool TryAcquire(in TransportAddress client)
    {
        var slot = (int)((uint)HashCode.Combine(client.AddressValue, _hashSeed) % SlotCount);
        var now = _time.GetTimestamp();
        ref var bucket = ref _buckets[slot];
        lock (_buckets)
        {
            var tokens = bucket.LastRefill == 0 ? _burst : Math.Min(_burst, bucket.Tokens + ((now - bucket.LastRefill) * _tokensPerTick));
            bucket.LastRefill = now;
            if (tokens < 1)
            {
                bucket.Tokens = tokens;
                return false;
            }

            bucket.Tokens = tokens - 1;
            return true;
        }
    }

    private struct Bucket
    {
        public double Tokens;
        public long LastRefill;
    }
}
