using System.Globalization;
using System.Net;

namespace TurnServer.LoadTool;

/// <summary>What to load, how hard and for how long; every run is bounded.</summary>
internal sealed record LoadOptions
{
    public const int MaxClients = 10_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(10);

    public required IPEndPoint Server { get; init; }

    public string Transport { get; init; } = "udp";

    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>A TURN REST API shared secret: each client gets its own time-limited username.</summary>
    public string? Secret { get; init; }

    public int Clients { get; init; } = 10;

    public int PayloadBytes { get; init; } = 100;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Packets per second per client; 0 floods, each client keeping <see cref="Window"/> packets in flight.</summary>
    public int Rate { get; init; }

    public int Window { get; init; } = 8;

    /// <summary>Send and Data indications instead of a channel.</summary>
    public bool Indications { get; init; }

    /// <summary>Only connect (TCP or TLS), send one Binding each and stay idle: the cost of an idle connection.</summary>
    public bool Idle { get; init; }

    /// <summary>The server's process, for its CPU time and memory from /proc.</summary>
    public int? ServerPid { get; init; }

    public IPAddress PeerAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Our server's /metrics, for its garbage collections during the measured window.</summary>
    public Uri? ServerMetrics { get; init; }

    public const string Usage = """
        turnload --server IP:PORT [--transport udp|tcp|tls] (--user NAME --password PW | --secret S)
                 [--clients N] [--payload BYTES] [--duration S] [--warmup S] [--rate PPS | --window N]
                 [--indications] [--server-pid PID] [--server-metrics URL] [--peer IP]
        turnload --server IP:PORT --transport tcp|tls --idle --server-pid PID [--clients N]

        N clients each allocate, create a permission and bind a channel (or use indications), then send
        to an echo peer this tool runs, at PPS packets a second each, or as fast as the window allows
        when no rate is given. Reports allocations per second, packets per second each way, Mbit/s,
        loss, round trips, and with --server-pid the server's CPU time per relayed packet and its memory;
        with --server-metrics (our server's /metrics) the garbage collections it made while measured.
        With --idle, N connections each send one Binding and then stay idle while the server's resident
        memory is read: what an idle TCP or TLS connection costs it. Works against any TURN server: ours
        and coturn alike.
        """;

    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--indications" or "--idle")
            {
                flags.Add(name);
            }
            else if (name.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }
        }

        string? Value(string name) => values.Remove(name, out var value) ? value : null;
        int Int(string name, int fallback, int min, int max)
        {
            var text = Value(name);
            var value = text is null ? fallback : int.Parse(text, CultureInfo.InvariantCulture);
            return value >= min && value <= max ? value : throw new ArgumentException($"{name} must be within {min}..{max}");
        }

        var options = new LoadOptions
        {
            Server = IPEndPoint.Parse(Value("--server") ?? throw new ArgumentException("--server is required")),
            Transport = Value("--transport") ?? "udp",
            User = Value("--user"),
            Password = Value("--password"),
            Secret = Value("--secret"),
            Clients = Int("--clients", 10, 1, MaxClients),
            PayloadBytes = Int("--payload", 100, Payload.MinLength, 1400),
            Duration = TimeSpan.FromSeconds(Int("--duration", 10, 1, (int)MaxDuration.TotalSeconds)),
            Warmup = TimeSpan.FromSeconds(Int("--warmup", 1, 0, 60)),
            Rate = Int("--rate", 0, 0, 100_000),
            Window = Int("--window", 8, 1, 1024),
            Indications = flags.Contains("--indications"),
            Idle = flags.Contains("--idle"),
            ServerPid = Value("--server-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            PeerAddress = IPAddress.Parse(Value("--peer") ?? "127.0.0.1"),
            ServerMetrics = Value("--server-metrics") is { } metrics ? new Uri(metrics) : null,
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option '{values.Keys.First()}'");
        }

        if (options.Transport is not ("udp" or "tcp" or "tls"))
        {
            throw new ArgumentException("--transport is udp, tcp or tls");
        }

        if (options.Idle)
        {
            return options.Transport != "udp" && options.ServerPid is not null
                ? options
                : throw new ArgumentException("--idle takes --transport tcp or tls, and --server-pid");
        }

        if (options.Secret is null && (options.User is null || options.Password is null))
        {
            throw new ArgumentException("give --user and --password, or --secret");
        }

        return options;
    }
}
