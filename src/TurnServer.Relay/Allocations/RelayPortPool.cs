using System.Security.Cryptography;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// Hands out relay ports from the configured range at random (RFC 8656 section 7.2 asks for
/// unpredictable ports), even ones on request, and keeps the next port for a RESERVATION-TOKEN for
/// 30 seconds (section 14.9).
/// </summary>
public sealed class RelayPortPool
{
    public static readonly TimeSpan ReservationLifetime = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly bool[] _inUse = new bool[65536];
    private readonly Dictionary<ulong, (int Port, long ExpiresAt)> _reservations = [];
    private readonly int _min;
    private readonly int _max;
    private int _free;

    public RelayPortPool(int min, int max)
    {
        _min = min;
        _max = max;
        _free = max - min + 1;
    }

    /// <summary>Ports in the range.</summary>
    public int Size => _max - _min + 1;

    /// <summary>Ports neither in use nor reserved: what an operator watches before Allocates start to get 508.</summary>
    public int Free => Volatile.Read(ref _free);

    /// <summary>Takes a free port (an even one if asked); false when the range is exhausted.</summary>
    public bool TryTake(bool even, out int port)
    {
        lock (_gate)
        {
            port = 0;
            if (_free == 0)
            {
                return false;
            }

            // Random probes find a port fast while the range is mostly free; a scan from a random
            // start finds the last ones.
            var span = _max - _min + 1;
            for (var attempt = 0; attempt < 32; attempt++)
            {
                var candidate = _min + RandomNumberGenerator.GetInt32(span);
                if (Fits(candidate, even))
                {
                    return Take(candidate, out port);
                }
            }

            var start = RandomNumberGenerator.GetInt32(span);
            for (var i = 0; i < span; i++)
            {
                var candidate = _min + ((start + i) % span);
                if (Fits(candidate, even))
                {
                    return Take(candidate, out port);
                }
            }

            return false;
        }
    }

    /// <summary>Takes an even port and the odd one after it, keeping the odd one under a new token.</summary>
    public bool TryTakeEvenWithReservation(long now, long lifetimeTicks, out int port, out ulong token)
    {
        lock (_gate)
        {
            token = 0;
            var span = _max - _min + 1;
            var start = RandomNumberGenerator.GetInt32(span);
            for (var i = 0; i < span; i++)
            {
                var candidate = _min + ((start + i) % span);
                if (Fits(candidate, even: true) && candidate + 1 <= _max && !_inUse[candidate + 1])
                {
                    Take(candidate, out port);
                    Take(candidate + 1, out _);
                    do
                    {
                        token = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
                    }
                    while (token == 0 || _reservations.ContainsKey(token));

                    _reservations[token] = (candidate + 1, now + lifetimeTicks);
                    return true;
                }
            }

            port = 0;
            return false;
        }
    }

    /// <summary>Redeems a reservation token for its port; false for an unknown or expired token.</summary>
    public bool TryRedeem(ulong token, long now, out int port)
    {
        lock (_gate)
        {
            port = 0;
            if (!_reservations.Remove(token, out var reservation))
            {
                return false;
            }

            if (now >= reservation.ExpiresAt)
            {
                Release(reservation.Port);
                return false;
            }

            port = reservation.Port;
            return true;
        }
    }

    public void Release(int port)
    {
        lock (_gate)
        {
            if (port >= _min && port <= _max && _inUse[port])
            {
                _inUse[port] = false;
                _free++;
            }
        }
    }

    /// <summary>Frees the ports of reservations nobody redeemed in time.</summary>
    public void SweepReservations(long now)
    {
        lock (_gate)
        {
            foreach (var (token, reservation) in _reservations)
            {
                if (now >= reservation.ExpiresAt)
                {
                    _reservations.Remove(token);
                    Release(reservation.Port);
                }
            }
        }
    }

    private bool Fits(int port, bool even) => !_inUse[port] && (!even || (port & 1) == 0);

    private bool Take(int port, out int taken)
    {
        _inUse[port] = true;
        _free--;
        taken = port;
        return true;
    }
}
