using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Strategies;
using TurnServer.Signaling.Tokens;

namespace TurnServer.P2pDemo;

/// <summary>The demo's command line.</summary>
internal sealed record DemoOptions
{
    public const string Usage = """
        p2pdemo: connects two peers with the P2P coordinator and exchanges messages.

          p2pdemo [--secret S]                      both peers in this process, against a turnserver on
                                                    127.0.0.1 started with --signaling-secret=S
                                                    --allow-loopback-peers (S defaults to "demo")
          p2pdemo --id ID (--connect PEER | --accept) [options]   one peer, as the NAT lab runs it

        Options:
          --server IP               where turnserver runs: STUN/TURN on 3478, signaling on 8080 (127.0.0.1)
          --signaling URL           the signaling WebSocket (ws://SERVER:8080/signaling)
          --secret S                signaling secret, to make this peer's token (demo only: a real
                                    application gets tokens from its backend); or --token T
          --stun IP:PORT            STUN server, repeatable (SERVER:3478)
          --turn IP:PORT            TURN server (SERVER:3478), --turn-user U --turn-password P
                                    (demo / demo-password), --turn-tcp IP:PORT, --turn-tls IP:PORT,
                                    --turn-cert FILE (the TLS certificate to trust)
          --mode sequential|race    (sequential)
          --strategies LIST         comma-separated: direct,punch,predict,tcp,relay (all)
          --messages N              messages to exchange (20)
          --timeout S               connection timeout (15)
          --hold S                  after connecting through the relay, wait up to this long for a direct path (0)
          --json                    one JSON line with the result
          --stream S                after connecting, both sides send 100-byte numbered packets for S
                                    seconds (at --rate N a second, 50) and report arrivals, losses
                                    and path changes, timed against --marks FILE ("cut MS",
                                    "restore MS" lines in Unix milliseconds, written meanwhile)
          --idle S                  with --stream: stay quiet for S seconds first, and report
                                    whether the path was kept
          --again                   with --stream: then connect once more and exchange 5 messages
          --log LEVEL               the coordinator's log on standard error, from LEVEL up
                                    (information, debug, ...; none by default)
        """;

    public string? Id { get; init; }

    public string? Connect { get; init; }

    public bool Accept { get; init; }

    public required IPAddress Server { get; init; }

    public required Uri Signaling { get; init; }

    public string? Token { get; init; }

    public required string Secret { get; init; }

    public required IReadOnlyList<IPEndPoint> Stun { get; init; }

    public required IPEndPoint Turn { get; init; }

    public IPEndPoint? TurnTcp { get; init; }

    public IPEndPoint? TurnTls { get; init; }

    public string? TurnCertificate { get; init; }

    public required string TurnUser { get; init; }

    public required string TurnPassword { get; init; }

    public ConnectionMode Mode { get; init; }

    public required IReadOnlyList<ConnectionStrategy> Strategies { get; init; }

    public int Messages { get; init; } = 20;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan Hold { get; init; }

    public bool Json { get; init; }

    public TimeSpan Stream { get; init; }

    public int Rate { get; init; } = 50;

    public string? Marks { get; init; }

    public TimeSpan Idle { get; init; }

    public bool Again { get; init; }

    public LogLevel LogLevel { get; init; }

    public static DemoOptions Parse(string[] args)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--accept" or "--json" or "--again")
            {
                flags.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                (values.TryGetValue(args[i], out var list) ? list : values[args[i]] = []).Add(args[++i]);
            }
            else
            {
                throw new ArgumentException($"unexpected '{args[i]}'");
            }
        }

        string? Value(string name) => values.TryGetValue(name, out var list) ? list[^1] : null;
        IPEndPoint EndPoint(string text) => IPEndPoint.TryParse(text, out var endPoint) ? endPoint : throw new ArgumentException($"'{text}' is not IP:PORT");
        var server = IPAddress.Parse(Value("--server") ?? "127.0.0.1");
        return new DemoOptions
        {
            Id = Value("--id"),
            Connect = Value("--connect"),
            Accept = flags.Contains("--accept"),
            Server = server,
            Signaling = new Uri(Value("--signaling") ?? $"ws://{server}:8080/signaling"),
            Token = Value("--token"),
            Secret = Value("--secret") ?? "demo",
            Stun = values.TryGetValue("--stun", out var stun) ? stun.Select(EndPoint).ToList() : [new IPEndPoint(server, 3478)],
            Turn = Value("--turn") is { } turn ? EndPoint(turn) : new IPEndPoint(server, 3478),
            TurnTcp = Value("--turn-tcp") is { } tcp ? EndPoint(tcp) : null,
            TurnTls = Value("--turn-tls") is { } tls ? EndPoint(tls) : null,
            TurnCertificate = Value("--turn-cert"),
            TurnUser = Value("--turn-user") ?? "demo",
            TurnPassword = Value("--turn-password") ?? "demo-password",
            Mode = Value("--mode") is "race" ? ConnectionMode.Race : ConnectionMode.Sequential,
            Strategies = (Value("--strategies") ?? "direct,punch,predict,tcp,relay").Split(',').Select(name => name switch
            {
                "direct" => ConnectionStrategy.Direct,
                "punch" => ConnectionStrategy.UdpHolePunching,
                "predict" => ConnectionStrategy.PortPrediction,
                "tcp" => ConnectionStrategy.TcpHolePunching,
                "relay" => ConnectionStrategy.TurnRelay,
                _ => throw new ArgumentException($"unknown strategy '{name}'"),
            }).ToList(),
            Messages = int.Parse(Value("--messages") ?? "20", CultureInfo.InvariantCulture),
            Timeout = TimeSpan.FromSeconds(double.Parse(Value("--timeout") ?? "15", CultureInfo.InvariantCulture)),
            Hold = TimeSpan.FromSeconds(double.Parse(Value("--hold") ?? "0", CultureInfo.InvariantCulture)),
            Json = flags.Contains("--json"),
            Stream = TimeSpan.FromSeconds(double.Parse(Value("--stream") ?? "0", CultureInfo.InvariantCulture)),
            Rate = int.Parse(Value("--rate") ?? "50", CultureInfo.InvariantCulture),
            Marks = Value("--marks"),
            Idle = TimeSpan.FromSeconds(double.Parse(Value("--idle") ?? "0", CultureInfo.InvariantCulture)),
            Again = flags.Contains("--again"),
            LogLevel = Value("--log") is { } level ? Enum.Parse<LogLevel>(level, ignoreCase: true) : LogLevel.None,
        };
    }

    /// <summary>The coordinator's log, one timestamped line an entry on standard error (standard output is the demo's result).</summary>
    public ILoggerFactory CreateLogging() => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

    public CoordinatorOptions CoordinatorFor(string id, bool includeLoopback, ILoggerFactory logging)
    {
        // The lab's server has a self-signed certificate: trust exactly that one.
        var trusted = TurnCertificate is null ? null : X509Certificate2.CreateFromPem(File.ReadAllText(TurnCertificate)).GetCertHashString();
        var tls = trusted is null ? null : new TlsClientOptions
        {
            CertificateValidation = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == trusted,
        };
        return new CoordinatorOptions
        {
            SignalingUri = Signaling,
            SignalingToken = Token ?? PeerToken.Issue(Encoding.UTF8.GetBytes(Secret), id, DateTimeOffset.UtcNow.AddHours(1)),
            StunServers = Stun,
            TurnServers = [[new TurnServerEntry(Turn, new TurnCredentials(TurnUser, TurnPassword)) { TcpServer = TurnTcp, TlsServer = TurnTls, Tls = tls }]],
            Mode = Mode,
            Strategies = Strategies,
            ConnectionTimeout = Timeout,
            IncludeLoopback = includeLoopback,
            Metadata = new { demo = true },
            LoggerFactory = logging,
        };
    }
}
