namespace TurnServer.Relay.Policy;

/// <summary>
/// A set of ports that one thread adds to while others read, looked up per Send indication: a bit
/// per port, so a lookup is one load and the whole set is 8 KiB.
/// </summary>
public sealed class PortSet
{
    private readonly ulong[] _bits = new ulong[(ushort.MaxValue + 1) / 64];

    public void Add(ushort port) => Interlocked.Or(ref _bits[port >> 6], 1UL << (port & 63));

    public bool Contains(ushort port) => (Volatile.Read(ref _bits[port >> 6]) & (1UL << (port & 63))) != 0;
}
