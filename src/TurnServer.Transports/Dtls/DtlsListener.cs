using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Policy;
using TurnServer.Relay.Processing;
using TurnServer.Transports.Streams;
using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// Serves TURN over DTLS on one UDP address (coturn: the TLS port, 5349/udp), with the TLS certificate.
/// Datagrams are sorted to sessions by client address; only a ClientHello starts one. The limits that
/// hold for TCP and TLS hold here too: a per-IP session limit, a handshake deadline, an idle timeout
/// for sessions without an allocation, and a cap on handshakes in progress, since each holds a thread.
/// A ClientHello without a valid cookie is answered with a HelloVerifyRequest (RFC 6347 section
/// 4.2.1) and nothing else: no session, no thread, no count against any limit, so spoofed ClientHellos
/// cost the server one HMAC each and reflect less than they send. Only a ClientHello that returns
/// the cookie, which proves its source address, starts a handshake.
/// </summary>
public sealed partial class DtlsListener : IAsyncDisposable
{
    private const int ReceiveBufferLength = 65536;
    private const int PlaintextLength = 1 << 14;
    private const int MaxConcurrentHandshakes = 64;
    private const int HandshakesPerSecondPerIP = 5;
    private const byte HandshakeContentType = 22;
    private const byte DtlsMajorVersion = 0xFE;
    private const byte ClientHelloType = 1;
    private const int HandshakeTypeOffset = 13;

    /// <summary>After the record header (13 bytes) and the handshake header (12 bytes).</summary>
    private const int ClientVersionOffset = 25;

    /// <summary>DTLS versions count down: 1.0 is 0xFEFF, 1.2 is 0xFEFD.</summary>
    private const ushort Dtls12 = 0xFEFD;
    private static readonly TimeSpan SupervisionInterval = TimeSpan.FromSeconds(1);

    /// <summary>The DTLS suites of those <see cref="CipherList"/> knows that BouncyCastle implements.</summary>
    private static readonly HashSet<ushort> Implemented = [0xC02B, 0xC02C, 0xC023, 0xC024, 0xC009, 0xC00A, 0xC02F, 0xC030, 0xC027, 0xC028, 0xC013, 0xC014];

    private readonly Socket _socket;
    private readonly TurnEngine _engine;
    private readonly CertificateStore _certificates;
    private readonly StreamTransportOptions _options;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConnectionLimiter _limiter;
    private readonly UnauthenticatedRateLimiter _handshakeRate;
    private readonly BcTlsCrypto _crypto = new(new SecureRandom());
    private readonly DtlsVerifier _cookies;
    private readonly ConcurrentDictionary<TransportAddress, DtlsSession> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private DtlsCredentials? _credentials;
    private int _handshakes;
    private Task? _loop;
    private Task? _supervisor;

    /// <param name="sessions">Shared by every DTLS listener: sessions per source and in all.</param>
    public DtlsListener(IPEndPoint endPoint, TurnEngine engine, CertificateStore certificates, StreamTransportOptions options, ConnectionLimiter sessions, TransportCounters counters, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sessions);
        _engine = engine;
        _certificates = certificates;
        _options = options;
        _counters = counters;
        _logger = logger;
        _time = time;
        _limiter = sessions;
        _handshakeRate = new UnauthenticatedRateLimiter(HandshakesPerSecondPerIP, new SourcePrefix(options.IPv6SourcePrefix), time);
        _cookies = new DtlsVerifier(_crypto);
        _socket = ListeningSockets.BindUdp(endPoint);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = TransportAddress.FromIPEndPoint(LocalEndPoint);
    }

    public IPEndPoint LocalEndPoint { get; }

    public TransportAddress LocalAddress { get; }

    /// <summary>Sessions in their handshake or established.</summary>
    public int SessionCount => _sessions.Count;

    public void Start()
    {
        _loop = Task.Run(ReceiveLoop);
        _supervisor = Task.Run(Supervise);
    }

    internal void HandshakeDone(bool succeeded) => _counters.DtlsHandshakeDone(succeeded);

    internal void Forget(DtlsSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<TransportAddress, DtlsSession>(session.FiveTuple.Client, session)))
        {
            _limiter.Release(session.FiveTuple.Client);
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        var plaintext = new byte[PlaintextLength];
        var response = new byte[PlaintextLength];
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stopping.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                _counters.ReceiveFailed();
                continue;
            }

            try
            {
                Handle(buffer, received, from, plaintext, response);
            }
#pragma warning disable CA1031 // One bad datagram must never stop the listener for everyone else.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogHandlerFailure(_logger, LocalEndPoint, e);
            }
        }
    }

    private void Handle(byte[] datagram, int length, SocketAddress from, byte[] plaintext, byte[] response)
    {
        var client = SocketAddresses.ToTransportAddress(from);
        var hello = datagram.AsSpan(0, length);
        if (_sessions.TryGetValue(client, out var session))
        {
            if (!session.IsEstablished || !IsClientHello(hello))
            {
                session.OnDatagram(datagram, length, plaintext, response);
                return;
            }

            // A new ClientHello on an established association: the client lost its state (a restart
            // from the same port). RFC 6347 section 4.2.8: start afresh rather than shut it out.
            session.End("the client started a new handshake");
        }
        else if (!IsClientHello(hello))
        {
            return;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(hello[ClientVersionOffset..]) > Dtls12)
        {
            RefuseVersion(from);
            return;
        }

        // The cookie binds the client's address and port: a spoofed source never sees it.
        var request = _cookies.VerifyRequest(CookieKey(client), datagram, 0, length, new StatelessReply(_socket, from, _counters));
        if (request is not null)
        {
            Begin(client, request);
        }
    }

    private static byte[] CookieKey(in TransportAddress client)
    {
        var key = new byte[client.AddressLength + sizeof(ushort)];
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(client.WriteAddressBytes(key)), client.Port);
        return key;
    }

    private static bool IsClientHello(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= ClientVersionOffset + 2 && datagram[0] == HandshakeContentType && datagram[1] == DtlsMajorVersion && datagram[HandshakeTypeOffset] == ClientHelloType;

    /// <summary>
    /// Answers a DTLS 1.0 ClientHello with a protocol_version alert at once. BouncyCastle would stay
    /// silent, and a client offering 1.0 only (as coturn's client does on some attempts) would then
    /// retransmit until its own timeout instead of moving on.
    /// </summary>
    private void RefuseVersion(SocketAddress client)
    {
        ReadOnlySpan<byte> alert = [21, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 70];
        try
        {
            _socket.SendTo(alert, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            _counters.SendFailed();
        }
    }

    private void Begin(in TransportAddress client, DtlsRequest request)
    {
        if (Volatile.Read(ref _handshakes) >= MaxConcurrentHandshakes)
        {
            LogBusy(_logger, client, MaxConcurrentHandshakes);
            _counters.ConnectionRefused();
            return;
        }

        if (!_handshakeRate.TryAcquire(client))
        {
            LogHandshakeRate(_logger, client);
            _counters.ConnectionRefused();
            return;
        }

        DtlsCredentials credentials;
        try
        {
            credentials = CurrentCredentials();
        }
        catch (Exception e) when (e is NotSupportedException or System.Security.Cryptography.CryptographicException or ArgumentException or IOException)
        {
            LogNoCredentials(_logger, e.Message);
            return;
        }

        var suites = _options.Ciphers.SuitesFor(credentials.SignatureAlgorithm == SignatureAlgorithm.ecdsa, Implemented);
        if (!_limiter.TryAcquire(client))
        {
            LogTooManySessions(_logger, client);
            _counters.ConnectionRefused();
            return;
        }

        var channel = new DatagramChannel(_socket, SocketAddresses.Create(client, _socket.AddressFamily), _time.GetUtcNow() + _options.HandshakeTimeout, _time);
        var session = new DtlsSession(this, channel, new FiveTuple(client, LocalAddress, TransportProtocol.Udp), _engine, _time, _logger);
        _sessions[client] = session;
        Interlocked.Increment(ref _handshakes);
        var server = new DtlsServer(_crypto, credentials, suites, _logger);
        var thread = new Thread(() =>
        {
            try
            {
                session.Handshake(server, request);
            }
            finally
            {
                Interlocked.Decrement(ref _handshakes);
            }
        })
        {
            IsBackground = true,
            Name = "DTLS handshake",
        };
        thread.Start();
    }

    /// <summary>The certificate in BouncyCastle's form, converted again only after a reload.</summary>
    private DtlsCredentials CurrentCredentials()
    {
        var current = _certificates.Current;
        var credentials = _credentials;
        if (credentials is null || !ReferenceEquals(credentials.Source, current))
        {
            credentials = DtlsCredentials.From(current, _crypto);
            _credentials = credentials;
        }

        return credentials;
    }

    private async Task Supervise()
    {
        using var timer = new PeriodicTimer(SupervisionInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                foreach (var session in _sessions.Values)
                {
                    if (session.IsEstablished && session.Idle >= _options.IdleTimeout && !_engine.Allocations.TryGet(session.FiveTuple, out _))
                    {
                        session.End("idle");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var session in _sessions.Values)
        {
            session.End("server stopping");
        }

        _socket.Dispose();
        await Task.WhenAll(_loop ?? Task.CompletedTask, _supervisor ?? Task.CompletedTask).ConfigureAwait(false);

        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS: {Client} not served, {Limit} handshakes already in progress")]
    private static partial void LogBusy(ILogger logger, TransportAddress client, int limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS: {Client} starts handshakes faster than one address may")]
    private static partial void LogHandshakeRate(ILogger logger, TransportAddress client);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS: refused a session from {Client}: too many from its source, or in all")]
    private static partial void LogTooManySessions(ILogger logger, TransportAddress client);

    [LoggerMessage(Level = LogLevel.Error, Message = "DTLS: the certificate cannot be used for DTLS ({Reason}); no handshake started")]
    private static partial void LogNoCredentials(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A DTLS datagram on {EndPoint} could not be handled; serving on")]
    private static partial void LogHandlerFailure(ILogger logger, IPEndPoint endPoint, Exception exception);
}
