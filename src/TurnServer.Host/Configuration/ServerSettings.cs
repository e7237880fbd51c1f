using System.Globalization;
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
        foreach (var section in configuration.GetChildren())
        {
            if (!ConfigurationKeys.All.ContainsKey(section.Key))
            {
                throw new ConfigurationException($"unknown setting '{section.Key}'");
            }
        }

        var realm = Text(configuration, "realm") ?? "turnserver";
        var listeningIPs = List(configuration, "listening-ip").Select(ip => Address("listening-ip", ip)).ToArray();
        if (listeningIPs.Length == 0)
        {
            listeningIPs = [IPAddress.Any];
        }

        var useAuthSecret = Flag(configuration, "use-auth-secret");
        var secrets = List(configuration, "static-auth-secret");
        if (useAuthSecret && secrets.Count == 0)
        {
            throw new ConfigurationException("use-auth-secret needs at least one static-auth-secret");
        }

        if (!useAuthSecret)
        {
            secrets = [];
        }

        var users = new List<StaticUser>();
        foreach (var entry in List(configuration, "user"))
        {
            try
            {
                users.Add(StaticUser.Parse(entry, realm));
            }
            catch (FormatException e)
            {
                throw new ConfigurationException($"user '{entry.Split(':')[0]}': {e.Message}");
            }
        }

        string? generatedPassword = null;
        if (users.Count == 0 && secrets.Count == 0)
        {
            generatedPassword = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', '_').Replace('+', '-');
            users.Add(StaticUser.FromPassword(GeneratedUserName, generatedPassword, realm));
        }

        var relayAddresses = ApplyExternalAddresses(configuration, RelayAddresses(configuration, listeningIPs));
        var allowLoopback = Flag(configuration, "allow-loopback-peers");
        var engine = new TurnServerOptions
        {
            Realm = realm,
            Software = Flag(configuration, "no-software-attribute") ? null : "turnserver",
            MaxAllocationLifetime = Seconds(configuration, "max-allocate-lifetime", 3600),
            ChannelLifetime = Seconds(configuration, "channel-lifetime", 600),
            PermissionLifetime = Seconds(configuration, "permission-lifetime", 300),
            NonceLifetime = Seconds(configuration, "stale-nonce", 600),
            UserQuota = Integer(configuration, "user-quota", 0),
            TotalQuota = Integer(configuration, "total-quota", 0),
            UnauthenticatedRequestsPerSecond = Integer(configuration, "unauthenticated-rate", 20),
            IPv6SourcePrefix = Integer(configuration, "ipv6-source-prefix", Relay.Policy.SourcePrefix.DefaultIPv6Length),
            MinRelayPort = Integer(configuration, "min-port", 49152),
            MaxRelayPort = Integer(configuration, "max-port", 65535),
            RelayAddresses = relayAddresses,
            AlwaysFingerprint = Flag(configuration, "fingerprint"),
            AlternateServers = [.. List(configuration, "alternate-server").Select(AlternateServer)],
            UdpRelay = !Flag(configuration, "no-udp-relay"),
            TcpRelay = !Flag(configuration, "no-tcp-relay"),
            PeerPolicy = new PeerAddressPolicy(
                Ranges(configuration, "allowed-peer-ip"),
                Ranges(configuration, "denied-peer-ip"),
                allowLoopback,
                OwnAddresses(listeningIPs, relayAddresses),
                Integer(configuration, "min-port", 49152),
                Integer(configuration, "max-port", 65535)),
        };

        if ((Text(configuration, "cert") is { Length: > 0 }) != (Text(configuration, "pkey") is { Length: > 0 }))
        {
            throw new ConfigurationException("cert and pkey go together: give both for TLS, or neither");
        }

        try
        {
            engine.Validate();
        }
        catch (InvalidOptionsException e)
        {
            throw new ConfigurationException(EngineSettingKeys.Describe(e));
        }

        var monitoring = new IPEndPoint(Address("prometheus-address", Text(configuration, "prometheus-address") ?? "127.0.0.1"), Port(configuration, "prometheus-port", 9641));
        return new ServerSettings
        {
            ListeningPort = Integer(configuration, "listening-port", 3478),
            ListeningIPs = listeningIPs,
            Udp = !Flag(configuration, "no-udp"),
            Tcp = !Flag(configuration, "no-tcp"),
            UdpIo = Text(configuration, "udp-io") switch
            {
                null or "" or "batched" => Transports.Udp.UdpIoMode.Batched,
                "portable" => Transports.Udp.UdpIoMode.Portable,
                var other => throw new ConfigurationException($"udp-io takes batched or portable, not '{other}'"),
            },
            RelayThreads = Integer(configuration, "relay-threads", 0) switch
            {
                > 256 and var threads => throw new ConfigurationException($"relay-threads takes at most 256, not {threads}"),
                var threads => threads,
            },
            Dtls = !Flag(configuration, "no-dtls"),
            Rfc5780 = !Flag(configuration, "no-rfc5780"),
            TlsPorts = Flag(configuration, "no-tls") ? [] : ReadTlsPorts(configuration),
            CertificateFile = Text(configuration, "cert") is { Length: > 0 } cert ? cert : null,
            KeyFile = Text(configuration, "pkey") is { Length: > 0 } key ? key : null,
            Engine = engine,
            Users = users,
            AuthSecrets = secrets,
            GeneratedPassword = generatedPassword,
            LogFile = Text(configuration, "log-file") is { Length: > 0 } file ? file : null,
            Verbose = Flag(configuration, "verbose"),
            JsonLogs = Text(configuration, "log-format") switch
            {
                null or "" or "plain" => false,
                "json" => true,
                var other => throw new ConfigurationException($"log-format takes plain or json, not '{other}'"),
            },
            Monitoring = Flag(configuration, "prometheus") ? monitoring : null,
            DrainTimeout = Seconds(configuration, "drain-timeout", 60),
            Otlp = OtlpSettings.Read(Text(configuration, "otlp-endpoint"), Text(configuration, "otlp-protocol"), Seconds(configuration, "otlp-interval", 15)),
            AdminToken = Text(configuration, "admin-token") is { Length: > 0 } token ? token : null,
            Admin = new IPEndPoint(Address("admin-address", Text(configuration, "admin-address") ?? "127.0.0.1"), Port(configuration, "admin-port", 9642)),
            Signaling = Text(configuration, "signaling-secret") is { Length: > 0 } signalingSecret
                ? new SignalingSettings(new IPEndPoint(Address("signaling-address", Text(configuration, "signaling-address") ?? "0.0.0.0"), Port(configuration, "signaling-port", 8080)), signalingSecret)
                : null,
            Streams = new Transports.Streams.StreamTransportOptions
            {
                Ciphers = Transports.Tls.CipherList.Parse(Text(configuration, "cipher-list")),
                MaxConnectionsPerIP = Positive(configuration, "max-connections-per-ip", 64),
                MaxConnections = Positive(configuration, "max-connections", 20_000),
                IPv6SourcePrefix = engine.IPv6SourcePrefix,
            },
        };
    }

    /// <summary>
    /// One relay address per family: the first relay-ip of the family; else a concrete listening IP of
    /// it; else, when listening on the family's wildcard, the machine's first address of the family
    /// (for IPv4, loopback when it has none).
    /// </summary>
    private static List<RelayAddress> RelayAddresses(IConfiguration configuration, IPAddress[] listeningIPs)
    {
        var configured = List(configuration, "relay-ip").Select(ip => Address("relay-ip", ip)).ToArray();
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
    private static List<RelayAddress> ApplyExternalAddresses(IConfiguration configuration, List<RelayAddress> relays)
    {
        foreach (var entry in List(configuration, "external-ip"))
        {
            var parts = entry.Split('/');
            var advertised = TransportAddress.FromIPAddress(Address("external-ip", parts[0]), 0);
            var index = parts.Length > 1
                ? relays.FindIndex(r => r.Local == TransportAddress.FromIPAddress(Address("external-ip", parts[1]), 0))
                : relays.FindIndex(r => r.Family == advertised.Family);
            if (index < 0 || relays[index].Family != advertised.Family)
            {
                throw new ConfigurationException($"external-ip '{entry}': no relay address of that family{(parts.Length > 1 ? " at " + parts[1] : "")} to advertise it for");
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

    private static TransportAddress? ExternalAddress(IConfiguration configuration)
    {
        var text = Text(configuration, "external-ip");
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var advertised = Address("external-ip", text.Split('/')[0]);
        if (advertised.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ConfigurationException($"external-ip '{text}': only an IPv4 address is supported for now");
        }

        return TransportAddress.FromIPAddress(advertised, 0);
    }

    private static IPRange[] Ranges(IConfiguration configuration, string key) =>
        [.. List(configuration, key).Select(text =>
        {
            try
            {
                return IPRange.Parse(text);
            }
            catch (FormatException e)
            {
                throw new ConfigurationException($"{key} '{text}': {e.Message}");
            }
        })];

    private static List<int> ReadTlsPorts(IConfiguration configuration)
    {
        var ports = List(configuration, "tls-listening-port");
        return ports.Count == 0
            ? [5349]
            : [.. ports.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
                ? port
                : throw new ConfigurationException($"tls-listening-port takes a port number, not '{p}'"))];
    }

    /// <summary>coturn's alternate-server: IP, IP:port or [IPv6]:port; the port defaults to 3478.</summary>
    private static TransportAddress AlternateServer(string text)
    {
        if (IPEndPoint.TryParse(text.Trim(), out var endPoint))
        {
            return TransportAddress.FromIPAddress(endPoint.Address, (ushort)(endPoint.Port == 0 ? 3478 : endPoint.Port));
        }

        throw new ConfigurationException($"alternate-server '{text}' is not an IP address with an optional port");
    }

    private static int Port(IConfiguration configuration, string key, int fallback) =>
        Integer(configuration, key, fallback) is var port and >= 0 and <= 65535 ? port : throw new ConfigurationException($"{key} takes a port number");

    private static IPAddress Address(string key, string text) =>
        IPAddress.TryParse(text.Trim(), out var address) ? address : throw new ConfigurationException($"{key} '{text}' is not an IP address");

    private static string? Text(IConfiguration configuration, string key) => configuration[key];

    /// <summary>A list from TOML arrays (key:0, key:1...) or a single value.</summary>
    private static List<string> List(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        var children = section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        return children.Count > 0 || string.IsNullOrEmpty(section.Value) ? children : [section.Value];
    }

    private static bool Flag(IConfiguration configuration, string key) => configuration[key] switch
    {
        null or "" => false,
        var v when bool.TryParse(v, out var b) => b,
        var v => throw new ConfigurationException($"{key} takes true or false, not '{v}'"),
    };

    private static int Integer(IConfiguration configuration, string key, int fallback) => configuration[key] switch
    {
        null or "" => fallback,
        var v when int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 => n,
        var v => throw new ConfigurationException($"{key} takes a whole number, not '{v}'"),
    };

    private static int Positive(IConfiguration configuration, string key, int fallback) => Integer(configuration, key, fallback) switch
    {
        0 => throw new ConfigurationException($"{key} must be positive"),
        var n => n,
    };

    private static TimeSpan Seconds(IConfiguration configuration, string key, int fallback) => TimeSpan.FromSeconds(Integer(configuration, key, fallback));
}
