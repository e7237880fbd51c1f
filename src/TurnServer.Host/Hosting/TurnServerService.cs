using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TurnServer.Host.Admin;
using TurnServer.Host.Configuration;
using TurnServer.Host.Monitoring;
using TurnServer.Host.Signaling;
using TurnServer.Protocol.Attributes;
using TurnServer.Signaling.Hub;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Processing;
using TurnServer.Transports;
using TurnServer.Transports.Dtls;
using TurnServer.Transports.Streams;
using TurnServer.Transports.TcpRelay;
using TurnServer.Transports.Tls;
using TurnServer.Transports.Udp;

namespace TurnServer.Host.Hosting;

/// <summary>
/// Runs the server: the engine, a UDP listener per listening address, and the once-a-second sweep
/// that ends what has expired. Stops on SIGTERM or Ctrl-C, releasing every relay socket.
/// </summary>
internal sealed partial class TurnServerService(ServerSettings settings, ILoggerFactory loggers, TimeProvider time, Func<ServerSettings>? reread = null) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly ILogger _logger = loggers.CreateLogger("turnserver");
    private readonly List<UdpListener> _listeners = [];
    private readonly List<StreamListener> _streamListeners = [];
    private readonly List<DtlsListener> _dtlsListeners = [];
    private CertificateStore? _certificates;
    private System.Runtime.InteropServices.PosixSignalRegistration? _reloadSignal;
    private TurnEngine? _engine;
    private UdpIo? _udpIo;
    private Meter? _meter;
    private HttpEndpoint? _monitoring;
    private HttpEndpoint? _admin;
    private HttpEndpoint? _signaling;
    private readonly CancellationTokenSource _signalingStopping = new();
    private OpenTelemetry.Metrics.MeterProvider? _metrics;
    private ServerSettings? _current;

    /// <summary>The addresses actually bound, with real ports when 0 was configured (tests use that).</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => [.. _listeners.Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> TcpEndPoints => [.. _streamListeners.Where(l => !l.IsTls).Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> TlsEndPoints => [.. _streamListeners.Where(l => l.IsTls).Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> DtlsEndPoints => [.. _dtlsListeners.Select(l => l.LocalEndPoint)];

    public int DtlsSessionCount => _dtlsListeners.Sum(l => l.SessionCount);

    /// <summary>The server certificate, reloadable on SIGHUP; null without TLS.</summary>
    public CertificateStore? Certificates => _certificates;

    public TurnEngine Engine => _engine ?? throw new InvalidOperationException("The server has not started.");

    private UdpIo UdpIo => _udpIo ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Where /metrics, /healthz and /readyz are served, when they are.</summary>
    public IPEndPoint? MonitoringEndPoint => _monitoring?.LocalEndPoint;

    /// <summary>Where the admin API is served, when it is.</summary>
    public IPEndPoint? AdminEndPoint => _admin?.LocalEndPoint;

    /// <summary>Where the signaling WebSocket listens, when it is on.</summary>
    public IPEndPoint? SignalingEndPoint => _signaling?.LocalEndPoint;

    public SignalingHub? SignalingHub { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _current = settings;

        // SIGHUP reloads the configuration and the certificate. Its default action ends the process,
        // so the handler goes in before anything announces that the server is up.
        _reloadSignal = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            if (_engine is not null)
            {
                try
                {
                    Reload();
                }
#pragma warning disable CA1031 // A reload that fails in an unforeseen way must not take the running server down.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogReloadFailed(_logger, e.Message);
                }
            }
        });
        var counters = new TransportCounters();
        _udpIo = UdpIo.Create(settings.UdpIo, settings.RelayThreads, loggers.CreateLogger("turnserver.udp"));
        LogUdpIo(_logger, _udpIo.IsBatched ? $"batched, {_udpIo.Threads} threads" : "portable");
        var relays = new UdpRelayEndpointFactory(_udpIo, counters, loggers.CreateLogger("turnserver.relay"));
        var tcpRelays = new TcpRelayFactory(loggers.CreateLogger("turnserver.tcp-relay"));
        _engine = new TurnEngine(settings.Engine, Credentials(settings), relays, time, loggers.CreateLogger<TurnEngine>(), tcpRelays);
        _meter = new Meter(TurnServerInstruments.MeterName, Usage.Version);
        TurnServerInstruments.Register(_meter, _engine, counters, time, () => _engine.Draining);
        _metrics = MetricsPipeline.Start(settings.Otlp, prometheus: settings.Monitoring is not null);
        if (settings.Otlp is { } otlp)
        {
            LogOtlp(_logger, otlp.Endpoint, otlp.Grpc ? "grpc" : "http/protobuf");
        }

        if (settings.Monitoring is { } monitoring)
        {
            var metrics = _metrics!;
            _monitoring = await HttpEndpoint.StartAsync(monitoring, app => MonitoringRoutes.Map(app, metrics, () => !Engine.Draining), loggers).ConfigureAwait(false);
            LogMonitoring(_logger, _monitoring.LocalEndPoint);
        }

        if (settings.AdminToken is { } token)
        {
            _admin = await HttpEndpoint.StartAsync(settings.Admin, app => AdminRoutes.Map(app, token, Engine, counters, () => Volatile.Read(ref _current)!, time), loggers).ConfigureAwait(false);
            LogAdmin(_logger, _admin.LocalEndPoint);
        }

        if (settings.Signaling is { } signaling)
        {
            var hub = new SignalingHub(new SignalingLimits(), time, loggers.CreateLogger<SignalingHub>());
            SignalingHub = hub;
            _signaling = await HttpEndpoint.StartAsync(signaling.EndPoint, app => SignalingRoutes.Map(app, hub, signaling.Secret, time, _signalingStopping.Token), loggers).ConfigureAwait(false);
            LogSignaling(_logger, _signaling.LocalEndPoint, SignalingRoutes.Path);
        }

        if (settings.Udp)
        {
            StartUdpListeners(counters);
            RefuseRelayingToOwnListeners();
        }

        StartStreamListeners(counters);
        RefuseRelayingToOwnListeners();

        foreach (var relay in settings.Engine.RelayAddresses)
        {
            LogRelay(_logger, relay.Local, relay.AdvertisedOrLocal, settings.Engine.MinRelayPort, settings.Engine.MaxRelayPort, settings.Engine.Realm);
        }
        if (settings.GeneratedPassword is { } password)
        {
            LogGeneratedUser(_logger, ServerSettings.GeneratedUserName, password);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    // A relay into one of these would have the server answer itself: a loop whatever the peer policy.
    private void RefuseRelayingToOwnListeners()
    {
        IPEndPoint?[] http = [MonitoringEndPoint, AdminEndPoint, SignalingEndPoint];
        foreach (var endPoint in UdpEndPoints.Concat(DtlsEndPoints))
        {
            Engine.OwnListeners.Add(TransportProtocol.Udp, (ushort)endPoint.Port);
        }

        foreach (var endPoint in TcpEndPoints.Concat(TlsEndPoints).Concat(http.OfType<IPEndPoint>()))
        {
            Engine.OwnListeners.Add(TransportProtocol.Tcp, (ushort)endPoint.Port);
        }
    }

    /// <summary>
    /// Stops taking new allocations and waits until the live ones have ended or the drain timeout
    /// passes; returns how many were still live. The listeners keep serving throughout.
    /// </summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        Engine.Draining = true;
        LogDraining(_logger, Engine.Allocations.Count, settings.DrainTimeout.TotalSeconds);
        var deadline = time.GetTimestamp() + (long)(settings.DrainTimeout.TotalSeconds * time.TimestampFrequency);
        while (Engine.Allocations.Count > 0 && time.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }

        var left = Engine.Allocations.Count;
        LogDrained(_logger, left);
        return left;
    }

    /// <summary>
    /// Reads the configuration again and applies what can change under live allocations (users,
    /// REST secrets, peer rules, quotas, lifetimes, alternate servers), then reloads the certificate.
    /// A configuration that fails to read, or changes what needs a restart, is logged and ignored.
    /// </summary>
    public bool Reload()
    {
        var applied = false;
        if (reread is not null)
        {
            try
            {
                var fresh = reread();

                // A user made up for this run keeps its password: clients were given it.
                var users = fresh.GeneratedPassword is not null && settings.GeneratedPassword is not null ? settings.Users : fresh.Users;
                Engine.Reconfigure(fresh.Engine, Credentials(fresh with { Users = users }));
                Volatile.Write(ref _current, fresh with { Users = users });
                LogReloaded(_logger, users.Count, fresh.AuthSecrets.Count);
                applied = true;
            }
            catch (InvalidOptionsException e)
            {
                LogReloadFailed(_logger, EngineSettingKeys.Describe(e));
            }
            catch (Exception e) when (e is ConfigurationException or Tomlyn.TomlException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, e.Message);
            }
        }

        var certificate = _certificates?.Reload() ?? true;
        return applied && certificate;
    }

    /// <summary>
    /// A UDP listener per listening IP; with two IPs of a family (and no no-rfc5780), two more on
    /// the next port, grouped for RFC 5780 NAT behaviour discovery as coturn does.
    /// </summary>
    private void StartUdpListeners(TransportCounters counters)
    {
        var logger = loggers.CreateLogger("turnserver.udp");
        var pair = settings.Rfc5780 ? DiscoveryPair(settings.ListeningIPs) : null;
        var byIP = new Dictionary<IPAddress, UdpListener>();
        foreach (var ip in settings.ListeningIPs.Where(ip => pair is null || !ip.Equals(pair.Value.Second)))
        {
            var listener = new UdpListener(new IPEndPoint(ip, settings.ListeningPort), Engine, UdpIo, counters, logger);
            byIP[ip] = listener;
            _listeners.Add(listener);
        }

        if (pair is var (first, second))
        {
            var primary = byIP[first];
            var port = primary.LocalEndPoint.Port;
            var secondIP = new UdpListener(new IPEndPoint(second, port), Engine, UdpIo, counters, logger);
            var otherPort = new UdpListener(new IPEndPoint(first, settings.ListeningPort == 0 ? 0 : port + 1), Engine, UdpIo, counters, logger);
            var both = new UdpListener(new IPEndPoint(second, otherPort.LocalEndPoint.Port), Engine, UdpIo, counters, logger);
            _listeners.AddRange([secondIP, otherPort, both]);
            _ = new BehaviorDiscoveryGroup(new[,] { { primary, otherPort }, { secondIP, both } });
            LogRfc5780(_logger, primary.LocalEndPoint, both.LocalEndPoint);
        }

        foreach (var listener in _listeners)
        {
            listener.Start();
            LogListening(_logger, "UDP", listener.LocalEndPoint);
        }
    }

    /// <summary>The first two listening IPs of one family, when they are concrete addresses (a wildcard names no origin).</summary>
    private static (IPAddress First, IPAddress Second)? DiscoveryPair(IReadOnlyList<IPAddress> ips)
    {
        foreach (var family in ips.Select(ip => ip.AddressFamily).Distinct())
        {
            var concrete = ips.Where(ip => ip.AddressFamily == family && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)).Take(2).ToArray();
            if (concrete.Length == 2)
            {
                return (concrete[0], concrete[1]);
            }
        }

        return null;
    }

    private CredentialStore Credentials(ServerSettings source) =>
        new(source.Users, source.AuthSecrets.Count > 0 ? new RestApiSecrets(source.AuthSecrets, source.Engine.Realm, time) : null);

    private void StartStreamListeners(TransportCounters counters)
    {
        var logger = loggers.CreateLogger("turnserver.tcp");
        var options = settings.Streams;
        var limiter = new ConnectionLimiter(options);
        var dtlsSessions = new ConnectionLimiter(options);
        foreach (var ip in settings.ListeningIPs)
        {
            if (settings.Tcp)
            {
                var tcp = new StreamListener(new IPEndPoint(ip, settings.ListeningPort), Engine, null, options, limiter, counters, logger, time);
                _streamListeners.Add(tcp);
                tcp.Start();
                LogListening(_logger, "TCP", tcp.LocalEndPoint);
            }
        }

        if (settings.CertificateFile is null || settings.KeyFile is null || settings.TlsPorts.Count == 0)
        {
            LogNoTls(_logger);
            return;
        }

        _certificates = new CertificateStore(settings.CertificateFile, settings.KeyFile, loggers.CreateLogger("turnserver.tls"));
        if (options.Ciphers.Unmapped.Count > 0)
        {
            LogUnmappedCiphers(_logger, string.Join(':', options.Ciphers.Unmapped), options.Ciphers.Codes is null);
        }

        // SIGHUP reloads the certificate (and would otherwise end the process).
        foreach (var ip in settings.ListeningIPs)
        {
            foreach (var port in settings.TlsPorts)
            {
                var tls = new StreamListener(new IPEndPoint(ip, port), Engine, _certificates, options, limiter, counters, logger, time);
                _streamListeners.Add(tls);
                tls.Start();
                LogListening(_logger, "TLS and TCP", tls.LocalEndPoint);
                if (settings.Dtls)
                {
                    // The same port number over UDP; with port 0 the system picks another free one.
                    var dtls = new DtlsListener(new IPEndPoint(ip, port == 0 ? 0 : tls.LocalEndPoint.Port), Engine, _certificates, options, dtlsSessions, counters, loggers.CreateLogger("turnserver.dtls"), time);
                    _dtlsListeners.Add(dtls);
                    dtls.Start();
                    LogListening(_logger, "DTLS", dtls.LocalEndPoint);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Engine.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var listener in _streamListeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var listener in _dtlsListeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _reloadSignal?.Dispose();
        _certificates?.Dispose();
        await _signalingStopping.CancelAsync().ConfigureAwait(false);
        foreach (var endpoint in new[] { _monitoring, _admin, _signaling })
        {
            if (endpoint is not null)
            {
                await endpoint.DisposeAsync().ConfigureAwait(false);
            }
        }

        _metrics?.Dispose();
        _meter?.Dispose();

        _engine?.EndAll();
        _udpIo?.Dispose(); // After every socket it serves has been closed.
        LogStopped(_logger);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving signaling WebSockets on ws://{EndPoint}{Path}")]
    private static partial void LogSignaling(ILogger logger, IPEndPoint endPoint, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "UDP input and output: {Mode}")]
    private static partial void LogUdpIo(ILogger logger, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving STUN/TURN on {Transport} {EndPoint}")]
    private static partial void LogListening(ILogger logger, string transport, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relaying from {Relay} (advertised as {External}), ports {Min}-{Max}, realm {Realm}")]
    private static partial void LogRelay(ILogger logger, Protocol.Addressing.TransportAddress relay, Protocol.Addressing.TransportAddress external, int min, int max, string realm);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user or auth secret is configured: made user '{User}' with password '{Password}' for this run. Configure users (user = [\"name:password\"]) or static-auth-secret for a stable setup.")]
    private static partial void LogGeneratedUser(ILogger logger, string user, string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS is off: give cert and pkey (PEM files) to serve TLS on tls-listening-port")]
    private static partial void LogNoTls(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cipher-list entries with no equivalent here were ignored: {Entries} (defaults kept: {DefaultsKept})")]
    private static partial void LogUnmappedCiphers(ILogger logger, string entries, bool defaultsKept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving /metrics, /healthz and /readyz on http://{EndPoint}")]
    private static partial void LogMonitoring(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "RFC 5780 NAT behaviour discovery: primary {Primary}, other {Other}")]
    private static partial void LogRfc5780(ILogger logger, IPEndPoint primary, IPEndPoint other);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushing metrics over OTLP to {Endpoint} ({Protocol})")]
    private static partial void LogOtlp(ILogger logger, Uri endpoint, string protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the admin API on http://{EndPoint}/admin (bearer token required)")]
    private static partial void LogAdmin(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining: no new allocations; waiting up to {Timeout} s for {Count} live ones to end")]
    private static partial void LogDraining(ILogger logger, int count, double timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drained: {Count} allocations still live")]
    private static partial void LogDrained(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reloaded: {Users} users, {Secrets} REST secrets; live allocations kept")]
    private static partial void LogReloaded(ILogger logger, int users, int secrets);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration not reloaded, still serving the previous one: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped; every allocation released")]
    private static partial void LogStopped(ILogger logger);
}
