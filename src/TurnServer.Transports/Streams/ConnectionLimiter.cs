using System.Collections.Concurrent;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;

namespace TurnServer.Transports.Streams;

/// <summary>
/// Counts open connections, per source (an IPv4 address or an IPv6 prefix) and in all, and refuses
/// those beyond either limit. One instance serves every TCP and TLS listener, so the total holds
/// however many addresses and ports the server listens on.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly ConcurrentDictionary<SourceKey, int> _open = new();
    private readonly SourcePrefix _sources;
    private readonly int _maxPerSource;
    private readonly int _maxTotal;
    private int _total;

    public ConnectionLimiter(StreamTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sources = new SourcePrefix(options.IPv6SourcePrefix);
        _maxPerSource = options.MaxConnectionsPerIP;
        _maxTotal = options.MaxConnections;
    }

    public bool TryAcquire(in TransportAddress client)
    {
        if (Interlocked.Increment(ref _total) > _maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        var key = _sources.KeyOf(client);
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (current >= _maxPerSource)
            {
                Interlocked.Decrement(ref _total);
                    return false;
            }

            if (current == 0 ? _open.TryAdd(key, 1) : _open.TryUpdate(key, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Release(in TransportAddress client)
    {
        var key = _sources.KeyOf(client);
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<SourceKey, int>(key, current)) : _open.TryUpdate(key, current - 1, current))
            {
                Interlocked.Decrement(ref _total);
                return;
            }
        }
    }
}
