using System.Collections.Concurrent;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Transports.Streams;

/// <summary>Counts open connections per client IP and refuses those beyond the limit.</summary>
internal sealed class ConnectionLimiter(int maxPerIP)
{
    private readonly ConcurrentDictionary<(StunAddressFamily, UInt128), int> _open = new();

    public bool TryAcquire(in TransportAddress client)
    {
        var key = (client.Family, client.AddressValue);
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (current >= maxPerIP)
            {
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
        var key = (client.Family, client.AddressValue);
        while (true)
        {
            var current = _open.GetValueOrDefault(key);
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<(StunAddressFamily, UInt128), int>(key, current)) : _open.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }
}
