using System.Collections;
using System.Net;
using Microsoft.Extensions.Logging;
using TurnServer.Host.Configuration;
using TurnServer.Host.Hosting;

namespace TurnServer.Host.Tests.Integration;

/// <summary>The real server, in this process, on an ephemeral loopback port.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    public const string Realm = "example.org";
    public const string User = "alice";
    public const string Password = "alice-password";
    public const string Secret = "rest-secret";

    private readonly TurnServerService _service;
    private readonly ConfigurationArgs _args;

    private readonly RecordingLoggerProvider _log;
    private readonly ILoggerFactory _loggerFactory;

    private ServerFixture(TurnServerService service, ServerSettings settings, ConfigurationArgs args, RecordingLoggerProvider log, ILoggerFactory loggerFactory)
    {
        _service = service;
        _log = log;
        _loggerFactory = loggerFactory;
        Settings = settings;
        _args = args;
    }

    public ServerSettings Settings { get; }

    /// <summary>What the server logged at warning level and above.</summary>
    public IReadOnlyCollection<string> LoggedProblems => _log.Entries;

    public IPEndPoint EndPoint => _service.UdpEndPoints[0];

    public IPEndPoint TcpEndPoint => _service.TcpEndPoints[0];

    public IPEndPoint TlsEndPoint => _service.TlsEndPoints[0];

    public Transports.Tls.CertificateStore? Certificates => _service.Certificates;

    public int DtlsSessionCount => _service.DtlsSessionCount;

    /// <summary>The listener of a transport ("udp", "tcp" or "tls") on the address of a family.</summary>
    public IPEndPoint EndPointFor(string transport, System.Net.Sockets.AddressFamily family) =>
        (transport switch
        {
            "udp" => _service.UdpEndPoints,
            "tcp" => _service.TcpEndPoints,
            "dtls" => _service.DtlsEndPoints,
            _ => _service.TlsEndPoints,
        }).First(e => e.AddressFamily == family);

    public Relay.Processing.TurnEngine Engine => _service.Engine;

    public IPEndPoint? MonitoringEndPoint => _service.MonitoringEndPoint;

    public IPEndPoint? AdminEndPoint => _service.AdminEndPoint;

    public IPEndPoint? SignalingEndPoint => _service.SignalingEndPoint;

    public TurnServer.Signaling.Hub.SignalingHub? SignalingHub => _service.SignalingHub;

    public Task<int> DrainAsync() => _service.DrainAsync(CancellationToken.None);

    private static readonly string[] BaseArgs =
    [
        "-L", "127.0.0.1", "--listening-port=0", "--tls-listening-port=0", "--realm", Realm, "--allow-loopback-peers", "--use-auth-secret",
    ];

    public static Task<ServerFixture> StartAsync(params string[] extraArgs) => StartAsync(null, extraArgs);

    public static Task<ServerFixture> StartAsync(Func<ServerSettings, ServerSettings>? adjust, params string[] extraArgs) => StartAsync(adjust, TimeProvider.System, extraArgs);

    /// <summary>The server on a clock of the test's choosing: expiry and sweeps follow it.</summary>
    public static async Task<ServerFixture> StartAsync(Func<ServerSettings, ServerSettings>? adjust, TimeProvider time, params string[] extraArgs)
    {
        string[] args = [.. BaseArgs, $"--user={User}:{Password}", $"--static-auth-secret={Secret}", .. extraArgs];
        var current = new ConfigurationArgs(args);
        ServerSettings Read()
        {
            var read = ServerSettings.Read(ConfigurationLoader.Load(CommandLine.Parse(current.Value), new Hashtable()));
            return adjust?.Invoke(read) ?? read;
        }

        var settings = Read();
        var log = new RecordingLoggerProvider();
        var loggerFactory = new LoggerFactory([log]);
        var service = new TurnServerService(settings, loggerFactory, time, Read);
        await service.StartAsync(CancellationToken.None);
        return new ServerFixture(service, settings, current, log, loggerFactory);
    }

    /// <summary>
    /// Reloads as SIGHUP does, with these options (users and secrets included) in place of the ones
    /// the server started with; addresses and ports stay as they were.
    /// </summary>
    public bool Reload(params string[] args)
    {
        _args.Value = [.. BaseArgs, .. args];
        return _service.Reload();
    }

    /// <summary>The command line the server reads, which a reload may change.</summary>
    private sealed class ConfigurationArgs(string[] value)
    {
        public string[] Value { get; set; } = value;
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
        _loggerFactory.Dispose();
    }
}
