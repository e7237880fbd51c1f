using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;

namespace TurnServer.Relay.Options;

/// <summary>
/// What the engine needs to know, validated once at start-up. Defaults follow RFC 8656 and coturn, so a
/// coturn operator finds the behaviour they know.
/// </summary>
public sealed record TurnServerOptions
{
    /// <summary>REALM of the long-term credential mechanism; part of every user's key.</summary>
    public string Realm { get; init; } = "turnserver";

    /// <summary>SOFTWARE sent in responses; null sends none (coturn's no-software-attribute).</summary>
    public string? Software { get; init; } = "turnserver";

    /// <summary>Lifetime given when the client asks for none (RFC 8656 section 7.2: 10 minutes).</summary>
    public TimeSpan DefaultAllocationLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requested lifetimes are clamped to this (coturn's max-allocate-lifetime, 3600 s).</summary>
    public TimeSpan MaxAllocationLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>RFC 8656 section 9: permissions last 5 minutes unless refreshed.</summary>
    public TimeSpan PermissionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>RFC 8656 section 12: channel bindings last 10 minutes unless refreshed.</summary>
    public TimeSpan ChannelLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>After a nonce is this old a request gets 438 and a fresh one (coturn's stale-nonce, 600 s).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Allocations one username may hold at once; 0 means no limit (coturn's user-quota).</summary>
    public int UserQuota { get; init; }

    /// <summary>Allocations the server holds at once; 0 means no limit (coturn's total-quota).</summary>
    public int TotalQuota { get; init; }

    /// <summary>Relay ports are taken from this range (coturn's min-port and max-port).</summary>
    public int MinRelayPort { get; init; } = 49152;

    public int MaxRelayPort { get; init; } = 65535;

    /// <summary>
    /// The addresses relay sockets bind to, at most one per family. Without an IPv6 one, IPv6
    /// allocations get 440; without an IPv4 one, so do allocations that ask for no family.
    /// </summary>
    public IReadOnlyList<RelayAddress> RelayAddresses { get; init; } = [new RelayAddress(TransportAddress.Parse("127.0.0.1:0"))];

    public RelayAddress? RelayAddressFor(StunAddressFamily family) => RelayAddresses.FirstOrDefault(r => r.Family == family);

    /// <summary>Which peers may be relayed to; refuses loopback, private and special ranges by default.</summary>
    public PeerAddressPolicy PeerPolicy { get; init; } = PeerAddressPolicy.Default;

    /// <summary>
    /// Permissions, and channels, one allocation may hold: each is checked per packet, so a client
    /// must not be able to make the list long (508 beyond it).
    /// </summary>
    public int MaxPeersPerAllocation { get; init; } = 1000;

    /// <summary>Unauthenticated requests one source may make per second, sustained (burst twice that).</summary>
    public int UnauthenticatedRequestsPerSecond { get; init; } = 20;

    /// <summary>IPv6 clients within one prefix of this length count as one source for per-source limits.</summary>
    public int IPv6SourcePrefix { get; init; } = SourcePrefix.DefaultIPv6Length;

    /// <summary>Relay over UDP (coturn's no-udp-relay turns it off: UDP allocations then get 442).</summary>
    public bool UdpRelay { get; init; } = true;

    /// <summary>Relay over TCP, RFC 6062 (coturn's no-tcp-relay turns it off: TCP allocations then get 442).</summary>
    public bool TcpRelay { get; init; } = true;

    /// <summary>RFC 6062 sections 5.2-5.3: how long Connect may take, and a peer connection may wait for ConnectionBind.</summary>
    public TimeSpan TcpConnectionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Add FINGERPRINT to every response, not only to answers of requests that carried one.</summary>
    public bool AlwaysFingerprint { get; init; }

    /// <summary>Offer SHA-256 keys and MESSAGE-INTEGRITY-SHA256 (RFC 8489) beside MD5/SHA-1 in 401 responses.</summary>
    public bool OfferSha256 { get; init; } = true;

    /// <summary>
    /// Where new allocations are sent while this server drains (coturn's alternate-server): answered
    /// with 300 Try Alternate and ALTERNATE-SERVER, in turn. Without any, draining answers 508.
    /// </summary>
    public IReadOnlyList<TransportAddress> AlternateServers { get; init; } = [];

    /// <summary>The advertised (external) address of a relay address, as <see cref="InvalidOptionsException.Properties"/> names it.</summary>
    public const string AdvertisedRelayAddresses = nameof(RelayAddresses) + "." + nameof(RelayAddress.Advertised);

    public void Validate()
    {
        Require(!string.IsNullOrEmpty(Realm), nameof(Realm), "must not be empty");
        Require(MinRelayPort is >= 1024 and <= 65535, nameof(MinRelayPort), "must be between 1024 and 65535");
        Require(MaxRelayPort is >= 1024 and <= 65535 && MaxRelayPort >= MinRelayPort, nameof(MaxRelayPort), "must be between the lowest relay port and 65535");
        Require(MaxAllocationLifetime >= TimeSpan.FromMinutes(10), nameof(MaxAllocationLifetime), "must be at least 600 seconds (RFC 8656)");
        Require(DefaultAllocationLifetime > TimeSpan.Zero, nameof(DefaultAllocationLifetime), "must be positive");
        Require(PermissionLifetime > TimeSpan.Zero, nameof(PermissionLifetime), "must be positive");
        Require(ChannelLifetime > TimeSpan.Zero, nameof(ChannelLifetime), "must be positive");
        Require(NonceLifetime > TimeSpan.Zero, nameof(NonceLifetime), "must be positive");
        Require(UserQuota >= 0, nameof(UserQuota), "must not be negative");
        Require(TotalQuota >= 0, nameof(TotalQuota), "must not be negative");
        Require(MaxPeersPerAllocation > 0, nameof(MaxPeersPerAllocation), "must be positive");
        Require(RelayAddresses.Count > 0 && RelayAddresses.All(r => r.Local.AddressValue != 0), nameof(RelayAddresses), "must name at least one concrete address");
        Require(RelayAddresses.DistinctBy(r => r.Family).Count() == RelayAddresses.Count, nameof(RelayAddresses), "takes one address per family");
        Require(RelayAddresses.All(r => r.Advertised is null || r.Advertised.Value.Family == r.Family), AdvertisedRelayAddresses, "must be of the relay address's family");
        Require(UnauthenticatedRequestsPerSecond > 0, nameof(UnauthenticatedRequestsPerSecond), "must be positive");
        Require(IPv6SourcePrefix is >= 1 and <= 128, nameof(IPv6SourcePrefix), "must be between 1 and 128");
    }

    /// <summary>The properties that differ from <paramref name="running"/> but only take effect when the engine is made again.</summary>
    public IReadOnlyList<string> NeedingARestartFrom(TurnServerOptions running)
    {
        ArgumentNullException.ThrowIfNull(running);
        var changed = new List<string>();
        Add(Realm != running.Realm, nameof(Realm));
        Add(MinRelayPort != running.MinRelayPort, nameof(MinRelayPort));
        Add(MaxRelayPort != running.MaxRelayPort, nameof(MaxRelayPort));
        Add(!RelayAddresses.SequenceEqual(running.RelayAddresses), nameof(RelayAddresses));
        Add(NonceLifetime != running.NonceLifetime, nameof(NonceLifetime));
        Add(OfferSha256 != running.OfferSha256, nameof(OfferSha256));
        Add(UnauthenticatedRequestsPerSecond != running.UnauthenticatedRequestsPerSecond, nameof(UnauthenticatedRequestsPerSecond));
        Add(IPv6SourcePrefix != running.IPv6SourcePrefix, nameof(IPv6SourcePrefix));
        return changed;

        void Add(bool differs, string property)
        {
            if (differs)
            {
                changed.Add(property);
            }
        }
    }

    private static void Require(bool condition, string property, string reason)
    {
        if (!condition)
        {
            throw new InvalidOptionsException([property], reason);
        }
    }
}
