using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Allocations;

/// <summary>
/// One client's relay (RFC 8656 section 2.2): its relay socket, lifetime, permissions and channels.
/// Permissions and channels are kept in small arrays replaced whole on change (copy-on-write), so the
/// data path reads them without a lock while requests, which are rare, take the allocation's lock.
/// </summary>
public sealed class Allocation
{
    /// <summary>RFC 8656 section 12: an expired binding keeps its number and peer from reuse for 5 minutes.</summary>
    public static readonly TimeSpan ChannelCooldown = TimeSpan.FromMinutes(5);

    private readonly byte[] _username;
    private long _expiresAt;
    private RelayedTransport[] _relays = [];
    private Permission[] _permissions = [];
    private ChannelBinding[] _channels = [];

    internal Allocation(long id, FiveTuple fiveTuple, ReadOnlySpan<byte> username, IClientChannel client, TransactionId createdBy, long createdAt, long expiresAt)
    {
        Id = id;
        FiveTuple = fiveTuple;
        CreatedAt = createdAt;
        _username = username.ToArray();
        Username = Encoding.UTF8.GetString(username);
        Client = client;
        CreatedBy = createdBy;
        _expiresAt = expiresAt;
    }

    /// <summary>A number unique for the server's run, for operators to name an allocation by.</summary>
    public long Id { get; }

    public FiveTuple FiveTuple { get; }

    public string Username { get; }

    public ReadOnlySpan<byte> UsernameBytes => _username;

    public IClientChannel Client { get; }

    /// <summary>When it was made, in the engine's <see cref="TimeProvider"/> timestamps.</summary>
    public long CreatedAt { get; }

    public Metrics.RelayTraffic Traffic { get; } = new();

    /// <summary>The Allocate transaction that made this allocation: its retransmissions get the same answer.</summary>
    public TransactionId CreatedBy { get; }

    /// <summary>The relayed transport of each family this allocation has: one, or two in a dual allocation.</summary>
    public IReadOnlyList<RelayedTransport> Relays => Volatile.Read(ref _relays);

    public RelayedTransport? RelayFor(StunAddressFamily family)
    {
        foreach (var relay in Volatile.Read(ref _relays))
        {
            if (relay.Family == family)
            {
                return relay;
            }
        }

        return null;
    }

    /// <summary>UDP, or TCP for an RFC 6062 allocation whose peers are reached over TCP connections.</summary>
    public Protocol.Attributes.TransportProtocol RelayProtocol { get; init; } = Protocol.Attributes.TransportProtocol.Udp;

    /// <summary>The peer data connections of a TCP allocation, pending or spliced; changed under the lock.</summary>
    internal List<TcpPeerConnectionEntry> TcpConnections { get; } = [];

    /// <summary>Peers a Connect is under way to (RFC 6062 section 5.2: a second one gets 446); changed under the lock.</summary>
    internal HashSet<TransportAddress> ConnectingPeers { get; } = [];

    /// <summary>The family an ADDITIONAL-ADDRESS-FAMILY asked for and did not get, repeated to retransmissions.</summary>
    internal StunAddressFamily RefusedAdditionalFamily { get; init; }

    /// <summary>Adds a relayed transport while the allocation is being made or under its lock.</summary>
    internal void AddRelay(RelayedTransport relay) => Volatile.Write(ref _relays, [.. _relays, relay]);

    /// <summary>Removes one family's relayed transport (a Refresh of a dual allocation); call under the lock.</summary>
    internal void RemoveRelay(RelayedTransport relay) => Volatile.Write(ref _relays, Array.FindAll(_relays, r => r != relay));

    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    public IReadOnlyList<Permission> Permissions => Volatile.Read(ref _permissions);

    public IReadOnlyList<ChannelBinding> Channels => Volatile.Read(ref _channels);

    internal bool IsExpired(long now) => now >= ExpiresAt;

    internal void SetExpiry(long expiresAt) => Volatile.Write(ref _expiresAt, expiresAt);

    public bool HasPermission(in TransportAddress peer, long now)
    {
        foreach (var permission in Volatile.Read(ref _permissions))
        {
            if (permission.Matches(peer))
            {
                return now < permission.ExpiresAt;
            }
        }

        return false;
    }

    /// <summary>
    /// Installs or refreshes permissions for every peer, adding the new ones in a single copy; false,
    /// changing nothing, when the new ones would take the allocation past <paramref name="max"/>. Call
    /// under the allocation's lock.
    /// </summary>
    internal bool TryInstallPermissions(IReadOnlyList<TransportAddress> peers, long expiresAt, int max)
    {
        var added = new List<Permission>();
        var refreshed = new List<Permission>();
        foreach (var peer in peers)
        {
            var known = Array.Find(_permissions, p => p.Matches(peer)) ?? added.Find(p => p.Matches(peer));
            if (known is null)
            {
                added.Add(new Permission(peer.Family, peer.AddressValue, expiresAt));
            }
            else
            {
                refreshed.Add(known);
            }
        }

        if (_permissions.Length + added.Count > max)
        {
            return false;
        }

        refreshed.ForEach(p => p.Refresh(expiresAt));
        if (added.Count > 0)
        {
            Volatile.Write(ref _permissions, [.. _permissions, .. added]);
        }

        return true;
    }

    public int ChannelCount => Volatile.Read(ref _channels).Length;

    /// <summary>Set, under the allocation's lock, once the allocation is removed; requests then see 437.</summary>
    internal bool Ended { get; set; }

    /// <summary>The live or cooling binding for a channel number, or null.</summary>
    public ChannelBinding? FindChannel(ushort number)
    {
        foreach (var channel in Volatile.Read(ref _channels))
        {
            if (channel.Number == number)
            {
                return channel;
            }
        }

        return null;
    }

    /// <summary>The live or cooling binding for a peer transport address, or null.</summary>
    public ChannelBinding? FindChannel(in TransportAddress peer)
    {
        foreach (var channel in Volatile.Read(ref _channels))
        {
            if (channel.Peer == peer)
            {
                return channel;
            }
        }

        return null;
    }

    /// <summary>Adds a binding whose number and peer were checked to be free; call under the allocation's lock.</summary>
    internal void AddChannel(ChannelBinding binding) => Volatile.Write(ref _channels, [.. _channels, binding]);

    /// <summary>Drops expired permissions and channels past their cooldown; call under the allocation's lock.</summary>
    internal void Sweep(long now, long channelCooldownTicks)
    {
        if (Array.Exists(_permissions, p => now >= p.ExpiresAt))
        {
            Volatile.Write(ref _permissions, Array.FindAll(_permissions, p => now < p.ExpiresAt));
        }

        if (Array.Exists(_channels, c => now >= c.ExpiresAt + channelCooldownTicks))
        {
            Volatile.Write(ref _channels, Array.FindAll(_channels, c => now < c.ExpiresAt + channelCooldownTicks));
        }
    }
}
