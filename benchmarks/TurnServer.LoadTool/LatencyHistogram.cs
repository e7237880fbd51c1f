namespace TurnServer.LoadTool;

/// <summary>
/// Round trips in microseconds, in buckets exact below 1 ms and with 1/16 relative precision above
/// (16 buckets per power of two): fixed memory, nothing allocated per sample.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Exact = 1024;
    private const int SubBuckets = 16;
    private readonly long[] _counts = new long[Exact + (SubBuckets * 32)];

    public long Count { get; private set; }

    public long MaxMicroseconds { get; private set; }

    public void Record(TimeSpan roundTrip)
    {
        var micros = Math.Max(0, (long)roundTrip.TotalMicroseconds);
        _counts[Bucket(micros)]++;
        Count++;
        MaxMicroseconds = Math.Max(MaxMicroseconds, micros);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        MaxMicroseconds = Math.Max(MaxMicroseconds, other.MaxMicroseconds);
    }

    /// <summary>The upper edge of the bucket that holds the given fraction of the samples.</summary>
    public long Percentile(double fraction)
    {
        var target = (long)Math.Ceiling(Count * fraction);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= target && seen > 0)
            {
                return Math.Min(UpperEdge(i), MaxMicroseconds);
            }
        }

        return MaxMicroseconds;
    }

    private static int Bucket(long micros)
    {
        if (micros < Exact)
        {
            return (int)micros;
        }

        var power = 63 - (int)long.LeadingZeroCount(micros); // 10 and up
        var sub = (int)((micros >> (power - 4)) & (SubBuckets - 1));
        return Math.Min(Exact + ((power - 10) * SubBuckets) + sub, Exact + (SubBuckets * 32) - 1);
    }

    private static long UpperEdge(int bucket)
    {
        if (bucket < Exact)
        {
            return bucket;
        }

        var power = ((bucket - Exact) / SubBuckets) + 10;
        var sub = (bucket - Exact) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (power - 4)) - 1;
    }
}
