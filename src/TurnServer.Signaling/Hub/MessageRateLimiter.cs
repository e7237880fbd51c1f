namespace TurnServer.Signaling.Hub;

/// <summary>A token bucket per connection: a burst, then a steady rate.</summary>
internal sealed class MessageRateLimiter(SignalingLimits limits, TimeProvider time)
{
    private double _tokens = limits.MessageBurst;
    private long _refilledAt = time.GetTimestamp();

    public bool TryTake()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(limits.MessageBurst, _tokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * limits.MessagesPerSecond);
        _refilledAt = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
