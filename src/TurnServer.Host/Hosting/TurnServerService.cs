using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TurnServer.Host.Admin;
using TurnServer.Host.Configuration;
using TurnServer.Host.Http;
using TurnServer.Host.Monitoring;
using TurnServer.Host.Signaling;
using TurnServer.Signaling.Hub;
using TurnServer.Relay.Processing;
using TurnServer.Transports;
using TurnServer.Transports.TcpRelay;
using TurnServer.Transports.Tls;
using TurnServer.Transports.Udp;

namespace TurnServer.Host.Hosting;

/// <summary>
/// Runs the server: the engine, its listeners, the HTTP endpoints, and the once-a-second sweep
/// that ends what has expired. Stops on SIGTERM or Ctrl-C, releasing every relay socket.
/// </summary>
internal sealed partial class TurnServerService(ServerSettings settings, ILoggerFactory loggers, TimeProvider time, Func<ServerSettings>? reread = null) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly ILogger _logger = loggers.CreateLogger("turnserver");
    private readonly ConfigurationReloader _reloader = new(settings, reread, loggers.CreateLogger("turnserver"), time);
    private readonly CancellationTokenSource _signalingStopping = new();
    private TurnEngine? _engine;
    private UdpIo? _udpIo;
    private Meter? _meter;
    private OpenTelemetry.Metrics.MeterProvider? _metrics;
    private HttpEndpoints? _http;
    private ServerListeners? _listeners;

    private ServerListeners Listeners => _listeners ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The addresses actually bound, with real ports when 0 was configured (tests use that).</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => Listeners.UdpEndPoints;

    public IReadOnlyList<IPEndPoint> TcpEndPoints => Listeners.TcpEndPoints;

    public IReadOnlyList<IPEndPoint> TlsEndPoints => Listeners.TlsEndPoints;

    public IReadOnlyList<IPEndPoint> DtlsEndPoints => Listeners.DtlsEndPoints;

    public int DtlsSessionCount => Listeners.DtlsSessionCount;

    /// <summary>The server certificate, reloadable on SIGHUP; null without TLS.</summary>
    public CertificateStore? Certificates => Listeners.Certificates;

    public TurnEngine Engine => _engine ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>Where /metrics, /healthz and /readyz are served, when they are.</summary>
    public IPEndPoint? MonitoringEndPoint => _http?.EndPointOf(HttpRole.Monitoring);

    /// <summary>Where the admin API is served, when it is.</summary>
    public IPEndPoint? AdminEndPoint => _http?.EndPointOf(HttpRole.Admin);

    /// <summary>Where the signaling WebSocket listens, when it is on.</summary>
    public IPEndPoint? SignalingEndPoint => _http?.EndPointOf(HttpRole.Signaling);

    public SignalingHub? SignalingHub { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _reloader.ListenForSignal();
        var counters = new TransportCounters();
        _udpIo = UdpIo.Create(settings.UdpIo, settings.RelayThreads, loggers.CreateLogger("turnserver.udp"));
        LogUdpIo(_logger, _udpIo.IsBatched ? $"batched, {_udpIo.Threads} threads" : "portable");
        var relays = new UdpRelayEndpointFactory(_udpIo, counters, loggers.CreateLogger("turnserver.relay"));
        var tcpRelays = new TcpRelayFactory(loggers.CreateLogger("turnserver.tcp-relay"));
        var engine = new TurnEngine(settings.Engine, _reloader.Credentials(settings), relays, time, loggers.CreateLogger<TurnEngine>(), tcpRelays);
        _engine = engine;
        _reloader.Serve(engine);
        _meter = new Meter(TurnServerInstruments.MeterName, Usage.Version);
        TurnServerInstruments.Register(_meter, engine, counters, time, () => engine.Draining);
        _metrics = MetricsPipeline.Start(settings.Otlp, prometheus: settings.Monitoring is not null);
        if (settings.Otlp is { } otlp)
        {
            LogOtlp(_logger, otlp.Endpoint, otlp.Grpc ? "grpc" : "http/protobuf");
        }

        _http = await HttpEndpoints.StartAsync(HttpSurfaces(engine, counters), loggers).ConfigureAwait(false);
        LogHttpEndpoints();
        _listeners = await ServerListeners.StartAsync(settings, engine, _udpIo, counters, loggers, time).ConfigureAwait(false);
        RefuseRelayingToOwnListeners();
        _reloader.ReloadCertificates(_listeners.Certificates);

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

    private List<HttpSurface> HttpSurfaces(TurnEngine engine, TransportCounters counters)
    {
        var surfaces = new List<HttpSurface>();
        if (settings.Monitoring is { } monitoring)
        {
            var metrics = _metrics!;
            surfaces.Add(new(HttpRole.Monitoring, monitoring, routes => MonitoringRoutes.Map(routes, metrics, () => !engine.Draining)));
        }

        if (settings.AdminToken is { } token)
        {
            surfaces.Add(new(HttpRole.Admin, settings.Admin, routes => AdminRoutes.Map(routes, token, engine, counters, () => _reloader.Current, time)));
        }

        if (settings.Signaling is { } signaling)
        {
            var hub = new SignalingHub(new SignalingLimits(), time, loggers.CreateLogger<SignalingHub>());
            SignalingHub = hub;
            surfaces.Add(new(HttpRole.Signaling, signaling.EndPoint, routes => SignalingRoutes.Map(routes, hub, signaling.Secret, time, _signalingStopping.Token)));
        }

        return surfaces;
    }

    private void LogHttpEndpoints()
    {
        if (MonitoringEndPoint is { } monitoring)
        {
            LogMonitoring(_logger, monitoring);
        }

        if (AdminEndPoint is { } admin)
        {
            LogAdmin(_logger, admin);
        }

        if (SignalingEndPoint is { } signaling)
        {
            LogSignaling(_logger, signaling, SignalingRoutes.Path);
        }
    }

    // A relay into one of these would have the server answer itself: a loop whatever the peer policy.
    private void RefuseRelayingToOwnListeners()
    {
        IPEndPoint?[] http = [MonitoringEndPoint, AdminEndPoint, SignalingEndPoint];
        var own = Listeners.OwnPorts.Concat(http.OfType<IPEndPoint>().Select(e => (Protocol.Attributes.TransportProtocol.Tcp, e.Port)));
        foreach (var (protocol, port) in own)
        {
            Engine.OwnListeners.Add(protocol, (ushort)port);
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

    /// <inheritdoc cref="ConfigurationReloader.Reload"/>
    public bool Reload() => _reloader.Reload();

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
        if (_listeners is not null)
        {
            await _listeners.DisposeAsync().ConfigureAwait(false);
        }

        _reloader.Dispose();
        await _signalingStopping.CancelAsync().ConfigureAwait(false);
        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
        }

        _metrics?.Dispose();
        _meter?.Dispose();

        _engine?.EndAll();
        _udpIo?.Dispose(); // After every socket it serves has been closed.
        LogStopped(_logger);
    }

    public override void Dispose()
    {
        _signalingStopping.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving signaling WebSockets on ws://{EndPoint}{Path}")]
    private static partial void LogSignaling(ILogger logger, IPEndPoint endPoint, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "UDP input and output: {Mode}")]
    private static partial void LogUdpIo(ILogger logger, string mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relaying from {Relay} (advertised as {External}), ports {Min}-{Max}, realm {Realm}")]
    private static partial void LogRelay(ILogger logger, Protocol.Addressing.TransportAddress relay, Protocol.Addressing.TransportAddress external, int min, int max, string realm);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user or auth secret is configured: made user '{User}' with password '{Password}' for this run. Configure users (user = [\"name:password\"]) or static-auth-secret for a stable setup.")]
    private static partial void LogGeneratedUser(ILogger logger, string user, string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving /metrics, /healthz and /readyz on http://{EndPoint}")]
    private static partial void LogMonitoring(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushing metrics over OTLP to {Endpoint} ({Protocol})")]
    private static partial void LogOtlp(ILogger logger, Uri endpoint, string protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the admin API on http://{EndPoint}/admin (bearer token required)")]
    private static partial void LogAdmin(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining: no new allocations; waiting up to {Timeout} s for {Count} live ones to end")]
    private static partial void LogDraining(ILogger logger, int count, double timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drained: {Count} allocations still live")]
    private static partial void LogDrained(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped; every allocation released")]
    private static partial void LogStopped(ILogger logger);
}
