using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Tls;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// One client's DTLS association: the handshake on a thread of its own (BouncyCastle's handshake
/// blocks), then records read on the listener's receive loop and messages to the client encrypted
/// under one lock, as BouncyCastle's record layer is not safe to use from two threads at once. When
/// the session ends, so does the allocation made over it.
/// </summary>
internal sealed partial class DtlsSession : IClientTransport, IClientChannel
{
    private const int RecordHeaderLength = 13;
    private const int PlaintextLimit = 1 << 14;
    private const byte ChangeCipherSpec = 20;
    private const byte Alert = 21;
    private const byte HandshakeRecord = 22;
    private const byte ApplicationData = 23;

    /// <summary>How long after the handshake a client's resent last flight is still answered (RFC 6347 section 4.2.4).</summary>
    private static readonly TimeSpan HandshakeRetransmissionWindow = TimeSpan.FromSeconds(30);

    private readonly object _sync = new();
    private readonly DtlsListener _owner;
    private readonly DatagramChannel _channel;
    private readonly TurnEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DtlsTransport? _dtls;
    private byte[]? _sendBuffer;
    private bool _ended;
    private long _lastActivity;
    private long _establishedAt;

    public DtlsSession(DtlsListener owner, DatagramChannel channel, FiveTuple fiveTuple, TurnEngine engine, TimeProvider time, ILogger logger)
    {
        _owner = owner;
        _channel = channel;
        FiveTuple = fiveTuple;
        _engine = engine;
        _time = time;
        _logger = logger;
        _lastActivity = time.GetTimestamp();
    }

    public FiveTuple FiveTuple { get; }

    public bool IsEstablished => Volatile.Read(ref _dtls) is not null;

    public bool IsStream => false;

    public IClientChannel CreateChannel(in TransportAddress client) => this;

    public TimeSpan Idle => _time.GetElapsedTime(Volatile.Read(ref _lastActivity));

    /// <summary>The handshake thread's body: handshake, then whatever records came in meanwhile.</summary>
    /// <param name="request">The ClientHello whose cookie the listener verified: the handshake goes on from it.</param>
    public void Handshake(TlsServer server, DtlsRequest request)
    {
        try
        {
            var dtls = new DtlsServerProtocol().Accept(server, _channel, request);
            byte[][] arrivedMeanwhile;
            lock (_sync)
            {
                // Taken before the session is published, so BouncyCastle never reads the queue again
                // once the listener hands it records one by one.
                arrivedMeanwhile = _channel.CompleteHandshake();
                _sendBuffer = new byte[PlaintextLimit];
                _establishedAt = _time.GetTimestamp();
                Volatile.Write(ref _dtls, dtls);
            }

            _owner.HandshakeDone(succeeded: true);
            LogEstablished(_logger, FiveTuple.Client);
            var plaintext = new byte[PlaintextLimit];
            var response = new byte[PlaintextLimit];
            foreach (var datagram in arrivedMeanwhile)
            {
                Read(datagram, datagram.Length, plaintext, response);
            }
        }
#pragma warning disable CA1031 // Whatever ends a handshake (timeout, alert, garbage) ends only this session.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!IsEstablished)
            {
                _owner.HandshakeDone(succeeded: false);
            }

            LogHandshakeFailed(_logger, FiveTuple.Client, e.Message);
            End("handshake failed");
        }
    }

    /// <summary>A datagram from the client: queued for the handshake, or its records read and served.</summary>
    public void OnDatagram(byte[] datagram, int length, byte[] plaintext, byte[] response)
    {
        if (!IsEstablished && _channel.TryQueue(datagram.AsSpan(0, length)))
        {
            return;
        }

        Read(datagram, length, plaintext, response);
    }

    /// <summary>
    /// Hands BouncyCastle one record at a time, so that each read returns at once with that record's
    /// plaintext (or nothing) and no record waits inside BouncyCastle for a later datagram.
    /// </summary>
    private void Read(byte[] datagram, int length, byte[] plaintext, byte[] response)
    {
        var offset = 0;
        while (length - offset >= RecordHeaderLength)
        {
            var recordLength = RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(offset + 11));
            if (recordLength > length - offset)
            {
                return;
            }

            if (!Worth(datagram.AsSpan(offset, RecordHeaderLength)))
            {
                offset += recordLength;
                continue;
            }

            int read;
            lock (_sync)
            {
                if (_ended || _dtls is not { } dtls)
                {
                    return;
                }

                _channel.HandOver(datagram, offset, recordLength);
                try
                {
                    read = dtls.Receive(plaintext, 0, plaintext.Length, 1);
                }
                catch (IOException e)
                {
                    LogFailed(_logger, FiveTuple.Client, e.Message);
                    read = -1;
                    _channel.Close();
                }
            }

            if (_channel.IsClosed)
            {
                End("DTLS session closed");
                return;
            }

            if (read > 0)
            {
                Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                var answer = _engine.ProcessClientMessage(plaintext.AsSpan(0, read), new ClientContext(FiveTuple, ClientTransportKind.Dtls, this), response);
                if (answer > 0)
                {
                    Send(response.AsSpan(0, answer));
                }
            }

            offset += recordLength;
        }
    }

    /// <summary>
    /// Whether BouncyCastle should see a record. Every record it discards costs a millisecond of
    /// spinning on the listener's thread (its read waits out its timeout), so records that cannot
    /// carry anything are dropped here: application data of the handshake's epoch, and handshake or
    /// ChangeCipherSpec records (a client resending its last flight) once the handshake is well over.
    /// </summary>
    private bool Worth(ReadOnlySpan<byte> header)
    {
        var epoch = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        return header[0] switch
        {
            ApplicationData => epoch > 0,
            Alert => true,
            HandshakeRecord or ChangeCipherSpec => _time.GetElapsedTime(Volatile.Read(ref _establishedAt)) < HandshakeRetransmissionWindow,
            _ => false,
        };
    }

    /// <summary>Encrypts one message to the client as one record; larger than a record, it is dropped.</summary>
    public void Send(ReadOnlySpan<byte> message)
    {
        lock (_sync)
        {
            if (_ended || _dtls is not { } dtls || _sendBuffer is not { } buffer || message.Length > Math.Min(buffer.Length, dtls.GetSendLimit()))
            {
                return;
            }

            message.CopyTo(buffer);
            try
            {
                dtls.Send(buffer, 0, message.Length);
            }
            catch (IOException e)
            {
                LogFailed(_logger, FiveTuple.Client, e.Message);
                _channel.Close();
            }
        }

        if (_channel.IsClosed)
        {
            End("DTLS session failed");
        }
    }

    /// <summary>Ends the session (with close_notify if it was established) and the allocation made over it.</summary>
    public void End(string reason)
    {
        lock (_sync)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            try
            {
                _dtls?.Close();
            }
            catch (IOException)
            {
                // The close_notify is a courtesy; the session is gone either way.
            }

            _channel.Close();
        }

        _owner.Forget(this);
        _engine.EndAllocation(FiveTuple, reason);
        LogEnded(_logger, FiveTuple.Client, reason);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS session with {Client} established")]
    private static partial void LogEstablished(ILogger logger, TransportAddress client);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS handshake with {Client} failed: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, TransportAddress client, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS session with {Client} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, TransportAddress client, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS session with {Client} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, TransportAddress client, string reason);
}
