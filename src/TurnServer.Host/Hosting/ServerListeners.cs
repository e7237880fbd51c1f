using System.Net;
using Microsoft.Extensions.Logging;
using TurnServer.Host.Configuration;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Processing;
using TurnServer.Transports;
using TurnServer.Transports.Dtls;
using TurnServer.Transports.Streams;
using TurnServer.Transports.Tls;
using TurnServer.Transports.Udp;

namespace TurnServer.Host.Hosting;

/// <summary>
/// The listener topology the settings ask for: UDP on every listening IP (and the RFC 5780 quartet
/// when two IPs of a family are given), TCP beside it, TLS and DTLS on the TLS ports when a
/// certificate is configured. Disposing closes them all.
/// </summary>
internal sealed partial class ServerListeners : IAsyncDisposable
{
    private readonly List<UdpListener> _udp = [];
    private readonly List<StreamListener> _streams = [];
    private readonly List<DtlsListener> _dtls = [];
    private readonly ILogger _logger;

    private ServerListeners(ILogger logger) => _logger = logger;

    /// <summary>The addresses actually bound, with real ports when 0 was configured.</summary>
    public IReadOnlyList<IPEndPoint> UdpEndPoints => [.. _udp.Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> TcpEndPoints => [.. _streams.Where(l => !l.IsTls).Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> TlsEndPoints => [.. _streams.Where(l => l.IsTls).Select(l => l.LocalEndPoint)];

    public IReadOnlyList<IPEndPoint> DtlsEndPoints => [.. _dtls.Select(l => l.LocalEndPoint)];

    public int DtlsSessionCount => _dtls.Sum(l => l.SessionCount);

    /// <summary>The server certificate, reloadable on SIGHUP; null without TLS.</summary>
    public CertificateStore? Certificates { get; private set; }

    /// <summary>The transport ports this server answers on, for refusing relays into itself.</summary>
    public IEnumerable<(TransportProtocol Protocol, int Port)> OwnPorts =>
        UdpEndPoints.Concat(DtlsEndPoints).Select(e => (TransportProtocol.Udp, e.Port))
            .Concat(TcpEndPoints.Concat(TlsEndPoints).Select(e => (TransportProtocol.Tcp, e.Port)));

    public static async Task<ServerListeners> StartAsync(ServerSettings settings, TurnEngine engine, UdpIo udpIo, TransportCounters counters, ILoggerFactory loggers, TimeProvider time)
    {
        var listeners = new ServerListeners(loggers.CreateLogger("turnserver"));
        try
        {
            if (settings.Udp)
            {
                listeners.StartUdp(settings, engine, udpIo, counters, loggers.CreateLogger("turnserver.udp"));
            }

            listeners.StartStreams(settings, engine, counters, loggers, time);
            return listeners;
        }
        catch
        {
            await listeners.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A UDP listener per listening IP; with two IPs of a family (and no no-rfc5780), two more on
    /// the next port, grouped for RFC 5780 NAT behaviour discovery as coturn does.
    /// </summary>
    private void StartUdp(ServerSettings settings, TurnEngine engine, UdpIo udpIo, TransportCounters counters, ILogger logger)
    {
        var pair = settings.Rfc5780 ? DiscoveryPair(settings.ListeningIPs) : null;
        var byIP = new Dictionary<IPAddress, UdpListener>();
        foreach (var ip in settings.ListeningIPs.Where(ip => pair is null || !ip.Equals(pair.Value.Second)))
        {
            var listener = new UdpListener(new IPEndPoint(ip, settings.ListeningPort), engine, udpIo, counters, logger);
            byIP[ip] = listener;
            _udp.Add(listener);
        }

        if (pair is var (first, second))
        {
            var primary = byIP[first];
            var port = primary.LocalEndPoint.Port;
            var secondIP = new UdpListener(new IPEndPoint(second, port), engine, udpIo, counters, logger);
            _udp.Add(secondIP);
            var otherPort = new UdpListener(new IPEndPoint(first, settings.ListeningPort == 0 ? 0 : port + 1), engine, udpIo, counters, logger);
            _udp.Add(otherPort);
            var both = new UdpListener(new IPEndPoint(second, otherPort.LocalEndPoint.Port), engine, udpIo, counters, logger);
            _udp.Add(both);
            _ = new BehaviorDiscoveryGroup(new[,] { { primary, otherPort }, { secondIP, both } });
            LogRfc5780(_logger, primary.LocalEndPoint, both.LocalEndPoint);
        }

        foreach (var listener in _udp)
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

    private void StartStreams(ServerSettings settings, TurnEngine engine, TransportCounters counters, ILoggerFactory loggers, TimeProvider time)
    {
        var logger = loggers.CreateLogger("turnserver.tcp");
        var options = settings.Streams;
        var limiter = new ConnectionLimiter(options);
        if (settings.Tcp)
        {
            foreach (var ip in settings.ListeningIPs)
            {
                var tcp = new StreamListener(new IPEndPoint(ip, settings.ListeningPort), engine, null, options, limiter, counters, logger, time);
                _streams.Add(tcp);
                tcp.Start();
                LogListening(_logger, "TCP", tcp.LocalEndPoint);
            }
        }

        if (settings.CertificateFile is null || settings.KeyFile is null || settings.TlsPorts.Count == 0)
        {
            LogNoTls(_logger);
            return;
        }

        var certificates = new CertificateStore(settings.CertificateFile, settings.KeyFile, loggers.CreateLogger("turnserver.tls"));
        Certificates = certificates;
        if (options.Ciphers.Unmapped.Count > 0)
        {
            LogUnmappedCiphers(_logger, string.Join(':', options.Ciphers.Unmapped), options.Ciphers.Codes is null);
        }

        var dtlsSessions = new ConnectionLimiter(options);
        foreach (var ip in settings.ListeningIPs)
        {
            foreach (var port in settings.TlsPorts)
            {
                var tls = new StreamListener(new IPEndPoint(ip, port), engine, certificates, options, limiter, counters, logger, time);
                _streams.Add(tls);
                tls.Start();
                LogListening(_logger, "TLS and TCP", tls.LocalEndPoint);
                if (settings.Dtls)
                {
                    // The same port number over UDP; with port 0 the system picks another free one.
                    var dtls = new DtlsListener(new IPEndPoint(ip, port == 0 ? 0 : tls.LocalEndPoint.Port), engine, certificates, options, dtlsSessions, counters, loggers.CreateLogger("turnserver.dtls"), time);
                    _dtls.Add(dtls);
                    dtls.Start();
                    LogListening(_logger, "DTLS", dtls.LocalEndPoint);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _udp)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var listener in _streams)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var listener in _dtls)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        Certificates?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving STUN/TURN on {Transport} {EndPoint}")]
    private static partial void LogListening(ILogger logger, string transport, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS is off: give cert and pkey (PEM files) to serve TLS on tls-listening-port")]
    private static partial void LogNoTls(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cipher-list entries with no equivalent here were ignored: {Entries} (defaults kept: {DefaultsKept})")]
    private static partial void LogUnmappedCiphers(ILogger logger, string entries, bool defaultsKept);

    [LoggerMessage(Level = LogLevel.Information, Message = "RFC 5780 NAT behaviour discovery: primary {Primary}, other {Other}")]
    private static partial void LogRfc5780(ILogger logger, IPEndPoint primary, IPEndPoint other);
}
