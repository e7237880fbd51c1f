using System.Collections.Concurrent;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// Live allocations by five-tuple, with the per-user and total counts that quotas check. Lookups are
/// lock-free; adding and removing take a lock so a quota can never be exceeded by a race.
/// </summary>
public sealed class AllocationTable
{
    private readonly ConcurrentDictionary<FiveTuple, Allocation> _byFiveTuple = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count => _byFiveTuple.Count;

    /// <summary>
    /// A live view for sweeps and listings; enumerating the dictionary itself avoids the full copy
    /// that its Values property makes every second.
    /// </summary>
    public IEnumerable<Allocation> All
    {
        get
        {
            foreach (var pair in _byFiveTuple)
            {
                yield return pair.Value;
            }
        }
    }

    public bool TryGet(in FiveTuple fiveTuple, out Allocation? allocation) => _byFiveTuple.TryGetValue(fiveTuple, out allocation);

    public int CountForUser(string username)
    {
        lock (_gate)
        {
            return _perUser.GetValueOrDefault(username);
        }
    }

    /// <summary>Adds the allocation unless a quota (0 = none) would be exceeded or the five-tuple is taken.</summary>
    public AddResult TryAdd(Allocation allocation, int userQuota, int totalQuota)
    {
        lock (_gate)
        {
            if (_byFiveTuple.ContainsKey(allocation.FiveTuple))
            {
                return AddResult.FiveTupleInUse;
            }

            var userCount = _perUser.GetValueOrDefault(allocation.Username);
            if ((userQuota > 0 && userCount >= userQuota) || (totalQuota > 0 && _byFiveTuple.Count >= totalQuota))
            {
                return AddResult.QuotaReached;
            }

            _byFiveTuple[allocation.FiveTuple] = allocation;
            _perUser[allocation.Username] = userCount + 1;
            return AddResult.Added;
        }
    }

    public bool Remove(Allocation allocation)
    {
        lock (_gate)
        {
            if (!_byFiveTuple.TryRemove(new KeyValuePair<FiveTuple, Allocation>(allocation.FiveTuple, allocation)))
            {
                return false;
            }

            var remaining = _perUser[allocation.Username] - 1;
            if (remaining == 0)
            {
                _perUser.Remove(allocation.Username);
            }
            else
            {
                _perUser[allocation.Username] = remaining;
            }

            return true;
        }
    }

    public enum AddResult
    {
        Added,
        FiveTupleInUse,
        QuotaReached,
    }
}
