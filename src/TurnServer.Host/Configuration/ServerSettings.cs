using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Policy;

namespace TurnServer.Host.Configuration;

/// <summary>
/// Everything turnserver runs with, read once from the layered configuration and checked: every error
/// names the setting it came from.
/// </summary>
public sealed record ServerSettings
{
    /// <summary>The user made at start-up when none is configured.</summary>
    public const string GeneratedUserName = "turn";

    public required int ListeningPort { get; init; }

    public required IReadOnlyList<IPAddress> ListeningIPs { get; init; }

    public required bool Udp { get; init; }

    public required bool Tcp { get; init; }

    /// <summary>How UDP is read and written: batched (recvmmsg/sendmmsg on Linux) or portable.</summary>
    public Transports.Udp.UdpIoMode UdpIo { get; init; } = Transports.Udp.UdpIoMode.Batched;

    /// <summary>Threads serving UDP listeners and relay sockets when batched (coturn's relay-threads); 0: one per core.</summary>
    public int RelayThreads { get; init; }

    /// <summary>DTLS on the TLS ports over UDP, when a certificate is configured (coturn's no-dtls turns it off).</summary>
    public required bool Dtls { get; init; }

    /// <summary>RFC 5780 NAT behaviour discovery when two listening IPs of a family allow it (coturn's no-rfc5780 turns it off).</summary>
    public bool Rfc5780 { get; init; } = true;

    /// <summary>Ports served with TLS when a certificate is configured (coturn's tls-listening-port, 5349).</summary>
    public required IReadOnlyList<int> TlsPorts { get; init; }

    /// <summary>PEM certificate (chain) and key; TLS is off without them.</summary>
    public string? CertificateFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>Timeouts and bounds of TCP and TLS connections; not in the configuration file, where defaults serve.</summary>
    public Transports.Streams.StreamTransportOptions Streams { get; init; } = new();

    public required TurnServerOptions Engine { get; init; }

    public required IReadOnlyList<StaticUser> Users { get; init; }

    public required IReadOnlyList<string> AuthSecrets { get; init; }

    /// <summary>The password made for <see cref="GeneratedUserName"/>, to print once; null when users were configured.</summary>
    public string? GeneratedPassword { get; init; }

    public string? LogFile { get; init; }

    public bool Verbose { get; init; }

    /// <summary>Console log lines as JSON objects, one per line, for log shippers.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>Where /metrics, /healthz and /readyz are served (coturn's prometheus options); null when off.</summary>
    public IPEndPoint? Monitoring { get; init; }

    /// <summary>Where metrics are pushed over OTLP; null when they are not.</summary>
    public OtlpSettings? Otlp { get; init; }

    /// <summary>The admin API's bearer token; the API is off without one.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Where the admin API listens when it has a token: loopback unless configured otherwise.</summary>
    public required IPEndPoint Admin { get; init; }

    /// <summary>
    /// The P2P coordinator's signaling WebSocket, on when it has a secret to check peer tokens with;
    /// on all addresses by default, since peers reach it from anywhere.
    /// </summary>
    public SignalingSettings? Signaling { get; init; }

    /// <summary>How long a drain (SIGTERM, SIGUSR1) waits for live allocations to end before the server exits.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static ServerSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var read = new SettingsReader(configuration);
        foreach (var section in configuration.GetChildren())
        {
            if (!ConfigurationKeys.All.ContainsKey(section.Key))
            {
                read.Invalid($"unknown setting '{section.Key}'", 0);
            }
        }

        var realm = read.Text("realm") ?? "turnserver";
        var listeningIPs = read.Addresses("listening-ip");
        if (listeningIPs.Length == 0)
        {
            listeningIPs = [IPAddress.Any];
        }

        var useAuthSecret = read.Flag("use-auth-secret");
        var secrets = read.List("static-auth-secret");
        if (useAuthSecret && secrets.Count == 0)
        {
            read.Invalid("use-auth-secret needs at least one static-auth-secret", 0);
        }

        if (!useAuthSecret)
        {
            secrets = [];
        }

        var users = new List<StaticUser>();
        foreach (var entry in read.List("user"))
        {
            try
            {
                users.Add(StaticUser.Parse(entry, realm));
            }
            catch (FormatException e)
            {
                read.Invalid($"user '{entry.Split(':')[0]}': {e.Message}", 0);
            }
        }

        string? generatedPassword = null;
        if (users.Count == 0 && secrets.Count == 0)
        {
            generatedPassword = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', '_').Replace('+', '-');
            users.Add(StaticUser.FromPassword(GeneratedUserName, generatedPassword, realm));
        }

        var relayAddresses = ApplyExternalAddresses(read, RelayAddresses(read, listeningIPs));
        var allowLoopback = read.Flag("allow-loopback-peers");
        var engine = new TurnServerOptions
        {
            Realm = realm,
            Software = read.Flag("no-software-attribute") ? null : "turnserver",
            MaxAllocationLifetime = read.Seconds("max-allocate-lifetime", 3600),
            ChannelLifetime = read.Seconds("channel-lifetime", 600),
            PermissionLifetime = read.Seconds("permission-lifetime", 300),
            NonceLifetime = read.Seconds("stale-nonce", 600),
            UserQuota = read.Integer("user-quota", 0),
            TotalQuota = read.Integer("total-quota", 0),
            UnauthenticatedRequestsPerSecond = read.Integer("unauthenticated-rate", 20),
            IPv6SourcePrefix = read.Integer("ipv6-source-prefix", Relay.Policy.SourcePrefix.DefaultIPv6Length),
            MinRelayPort = read.Integer("min-port", 49152),
            MaxRelayPort = read.Integer("max-port", 65535),
            RelayAddresses = relayAddresses,
            AlwaysFingerprint = read.Flag("fingerprint"),
            AlternateServers = read.Servers("alternate-server"),
            UdpRelay = !read.Flag("no-udp-relay"),
            TcpRelay = !read.Flag("no-tcp-relay"),
            PeerPolicy = new PeerAddressPolicy(
                read.Ranges("allowed-peer-ip"),
                read.Ranges("denied-peer-ip"),
                allowLoopback,
                OwnAddresses(listeningIPs, relayAddresses),
                read.Integer("min-port", 49152),
                read.Integer("max-port", 65535)),
        };

        if ((read.Text("cert") is { Length: > 0 }) != (read.Text("pkey") is { Length: > 0 }))
        {
            read.Invalid("cert and pkey go together: give both for TLS, or neither", 0);
        }

        try
        {
            engine.Validate();
        }
        catch (InvalidOptionsException e)
        {
            read.Invalid(EngineSettingKeys.Describe(e), 0);
        }

        var monitoring = new IPEndPoint(read.Address("prometheus-address", read.Text("prometheus-address"), IPAddress.Loopback), read.Port("prometheus-port", 9641));
        var settings = new ServerSettings
        {
            ListeningPort = read.Integer("listening-port", 3478),
            ListeningIPs = listeningIPs,
            Udp = !read.Flag("no-udp"),
            Tcp = !read.Flag("no-tcp"),
            UdpIo = read.Text("udp-io") switch
            {
                null or "" or "batched" => Transports.Udp.UdpIoMode.Batched,
                "portable" => Transports.Udp.UdpIoMode.Portable,
                var other => read.Invalid($"udp-io takes batched or portable, not '{other}'", Transports.Udp.UdpIoMode.Batched),
            },
            RelayThreads = read.Integer("relay-threads", 0) switch
            {
                > 256 and var threads => read.Invalid($"relay-threads takes at most 256, not {threads}", 0),
                var threads => threads,
            },
            Dtls = !read.Flag("no-dtls"),
            Rfc5780 = !read.Flag("no-rfc5780"),
            TlsPorts = read.Flag("no-tls") ? [] : read.Ports("tls-listening-port", 5349),
            CertificateFile = read.Text("cert") is { Length: > 0 } cert ? cert : null,
            KeyFile = read.Text("pkey") is { Length: > 0 } key ? key : null,
            Engine = engine,
            Users = users,
            AuthSecrets = secrets,
            GeneratedPassword = generatedPassword,
            LogFile = read.Text("log-file") is { Length: > 0 } file ? file : null,
            Verbose = read.Flag("verbose"),
            JsonLogs = read.Text("log-format") switch
            {
                null or "" or "plain" => false,
                "json" => true,
                var other => read.Invalid($"log-format takes plain or json, not '{other}'", false),
            },
            Monitoring = read.Flag("prometheus") ? monitoring : null,
            DrainTimeout = read.Seconds("drain-timeout", 60),
            Otlp = read.Guard(() => OtlpSettings.Read(read.Text("otlp-endpoint"), read.Text("otlp-protocol"), read.Seconds("otlp-interval", 15)), null),
            AdminToken = read.Text("admin-token") is { Length: > 0 } token ? token : null,
            Admin = new IPEndPoint(read.Address("admin-address", read.Text("admin-address"), IPAddress.Loopback), read.Port("admin-port", 9642)),
            Signaling = read.Text("signaling-secret") is { Length: > 0 } signalingSecret
                ? new SignalingSettings(new IPEndPoint(read.Address("signaling-address", read.Text("signaling-address"), IPAddress.Any), read.Port("signaling-port", 8080)), signalingSecret)
                : null,
            Streams = new Transports.Streams.StreamTransportOptions
            {
                Ciphers = Transports.Tls.CipherList.Parse(read.Text("cipher-list")),
                MaxConnectionsPerIP = read.Positive("max-connections-per-ip", 64),
                MaxConnections = read.Positive("max-connections", 20_000),
                IPv6SourcePrefix = engine.IPv6SourcePrefix,
            },
        };
        read.ThrowIfInvalid();
        return settings;
    }

    /// <summary>
    /// One relay address per family: the first relay-ip of the family; else a concrete listening IP of
    /// it; else, when listening on the family's wildcard, the machine's first address of the family
    /// (for IPv4, loopback when it has none).
    /// </summary>
    private static List<RelayAddress> RelayAddresses(SettingsReader read, IPAddress[] listeningIPs)
    {
        var configured = read.Addresses("relay-ip");
        var relays = new List<RelayAddress>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            var wildcard = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
            var relay = configured.FirstOrDefault(ip => ip.AddressFamily == family)
                ?? listeningIPs.FirstOrDefault(ip => ip.AddressFamily == family && !ip.Equals(wildcard))
                ?? (listeningIPs.Contains(wildcard) ? FirstInterfaceAddress(family) : null);
            if (relay is not null)
            {
                relays.Add(new RelayAddress(TransportAddress.FromIPAddress(relay, 0)));
            }
        }

        return relays;
    }

    // With a wildcard listening address, relay from the machine's own first public-facing address.
    private static IPAddress? FirstInterfaceAddress(AddressFamily family) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == family && !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal)
        ?? (family == AddressFamily.InterNetwork ? IPAddress.Loopback : null);

    /// <summary>
    /// coturn's external-ip: "public" maps the relay address of the same family, "public/private" the
    /// relay address given as private.
    /// </summary>
    private static List<RelayAddress> ApplyExternalAddresses(SettingsReader read, List<RelayAddress> relays)
    {
        foreach (var entry in read.List("external-ip"))
        {
            var parts = entry.Split('/');
            if (read.Address("external-ip", parts[0]) is not { } advertisedIP)
            {
                continue;
            }

            var advertised = TransportAddress.FromIPAddress(advertisedIP, 0);
            var local = parts.Length > 1 ? read.Address("external-ip", parts[1]) : null;
            if (parts.Length > 1 && local is null)
            {
                continue;
            }

            var index = local is not null
                ? relays.FindIndex(r => r.Local == TransportAddress.FromIPAddress(local, 0))
                : relays.FindIndex(r => r.Family == advertised.Family);
            if (index < 0 || relays[index].Family != advertised.Family)
            {
                read.Invalid($"external-ip '{entry}': no relay address of that family{(parts.Length > 1 ? " at " + parts[1] : "")} to advertise it for", 0);
                continue;
            }

            relays[index] = relays[index] with { Advertised = advertised };
        }

        return relays;
    }

    /// <summary>
    /// The server's own addresses are as internal as loopback: traffic to them takes the loopback path,
    /// past firewalls that guard the public interface, to the host's other services and to the
    /// server's own listeners and relay ports. They are refused with loopback.
    /// </summary>
    private static IEnumerable<IPRange> OwnAddresses(IPAddress[] listeningIPs, List<RelayAddress> relays)
    {
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Concat(listeningIPs)
            .Concat(relays.Select(r => r.Local.ToIPAddress()))
            .Concat(relays.Where(r => r.Advertised is not null).Select(r => r.Advertised!.Value.ToIPAddress()));
        return own.Where(ip => !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
            .Select(ip => TransportAddress.FromIPAddress(ip, 0))
            .Distinct()
            .Select(a => new IPRange(a.Family, a.AddressValue, a.AddressValue));
    }
}
