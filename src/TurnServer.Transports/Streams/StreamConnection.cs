using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Framing;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Streams;

/// <summary>
/// One TCP or TLS client. Reads through a <see cref="PipeReader"/> and cuts frames with
/// <see cref="StunStreamFramer"/>; writes go through a queue bounded in bytes to a single writer
/// loop, so relay threads never block on a slow client (its messages are dropped instead, as UDP
/// would drop them) and every message goes out as its own write, one TLS record each. An idle
/// connection holds no buffer: reads wait for data with a zero-byte read before taking pooled memory,
/// as Kestrel's do, so thousands of idle clients cost little more than their sockets.
/// </summary>
internal sealed partial class StreamConnection : IStreamClient, IClientChannel
{
    private const int ResponseBufferLength = 2048;
    private const byte TlsHandshakeRecord = 0x16;
    private const int SpliceBufferLength = 16 * 1024;

    private readonly Socket _socket;
    private readonly TurnEngine _engine;
    private readonly StreamTransportOptions _options;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<(byte[] Buffer, int Length)> _outgoing = Channel.CreateUnbounded<(byte[], int)>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private long _lastActivity;
    private long _partialSince;
    private long _handshakeSince;
    private int _closed;
    private TcpRelay.TcpPeerConnection? _dataPeer;
    private ClientTransportKind _kind = ClientTransportKind.Tcp;

    public StreamConnection(Socket socket, FiveTuple fiveTuple, TurnEngine engine, StreamTransportOptions options, TransportCounters counters, ILogger logger, TimeProvider time)
    {
        _socket = socket;
        FiveTuple = fiveTuple;
        _engine = engine;
        _options = options;
        _counters = counters;
        _logger = logger;
        _time = time;
        _lastActivity = time.GetTimestamp();
        StartedAt = _lastActivity;
    }

    public FiveTuple FiveTuple { get; }

    public long StartedAt { get; }

    public bool IsStream => true;

    /// <summary>
    /// True once the connection carries STUN: at once on a TCP port; on a TLS port once the first byte
    /// has said plain TCP, or the TLS handshake has finished.
    /// </summary>
    public bool Established { get; private set; }

    public IClientChannel CreateChannel(in Protocol.Addressing.TransportAddress client) => this;

    /// <summary>Called by the engine while handling a ConnectionBind: the read loop stops framing after it.</summary>
    public void BindData(IPeerConnection peer) => _dataPeer = (TcpRelay.TcpPeerConnection)peer;

    /// <summary>A data connection relays raw bytes for as long as both sides keep it open: no deadlines apply.</summary>
    public bool IsSpliced => _dataPeer is not null;

    /// <summary>
    /// Runs the connection until the client leaves, misbehaves or is timed out. With certificates the
    /// port serves TLS and plain TCP both, as coturn's do: a TLS record starts with 0x16 (handshake),
    /// which no STUN message (first byte 0x00-0x3F) or ChannelData frame (0x40-0x7F) can.
    /// </summary>
    public async Task RunAsync(Tls.CertificateStore? certificates)
    {
        Stream stream = new NetworkStream(_socket, ownsSocket: false);
        try
        {
            if (certificates is not null && await StartsWithTlsRecord().ConfigureAwait(false))
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await Handshake(tls, certificates).ConfigureAwait(false);
                _kind = ClientTransportKind.Tls;
            }

            Established = true;
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
            try
            {
                var writer = WriteLoop(stream);
                await ReadFrames(reader).ConfigureAwait(false);
                _outgoing.Writer.TryComplete();
                await writer.ConfigureAwait(false);
                if (_dataPeer is { } peer)
                {
                    await Splice(reader, stream, peer).ConfigureAwait(false);
                }
            }
            finally
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            LogClosed(_logger, FiveTuple, e.Message);
        }
        finally
        {
            Close();
            _dataPeer?.Dispose();
            _outgoing.Writer.TryComplete();
            await stream.DisposeAsync().ConfigureAwait(false);
            _engine.EndAllocation(FiveTuple, "connection closed");
            while (_outgoing.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }
        }
    }

    /// <summary>Waits for the client's first byte without consuming it; false for anything but a TLS record (or nothing).</summary>
    private async Task<bool> StartsWithTlsRecord()
    {
        var first = new byte[1];
        var read = await _socket.ReceiveAsync(first, SocketFlags.Peek).ConfigureAwait(false);
        return read == 1 && first[0] == TlsHandshakeRecord;
    }

    private async Task Handshake(SslStream tls, Tls.CertificateStore certificates)
    {
        Volatile.Write(ref _handshakeSince, _time.GetTimestamp());
        using var deadline = new CancellationTokenSource(_options.HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificates.Current.TlsContext,
                    CipherSuitesPolicy = _options.Ciphers.TlsPolicy,
                    EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                    ClientCertificateRequired = false,
                },
                deadline.Token).ConfigureAwait(false);
        }
        catch
        {
            _counters.TlsHandshakeDone(succeeded: false);
            throw;
        }

        _counters.TlsHandshakeDone(succeeded: true);
    }

    /// <summary>Queues a message for the client; dropped when the client has not read what was queued before.</summary>
    public void Send(ReadOnlySpan<byte> message)
    {
        if (Volatile.Read(ref _closed) != 0 || Interlocked.Add(ref _queuedBytes, message.Length) > _options.MaxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -message.Length);
            _counters.SendFailed();
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(buffer);
        if (!_outgoing.Writer.TryWrite((buffer, message.Length)))
        {
            Interlocked.Add(ref _queuedBytes, -message.Length);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether the supervisor should close this connection now (handshake, slowloris, idle).</summary>
    public bool IsOverdue(long now, long ticksPerSecond)
    {
        long Elapsed(long since) => (now - since) / ticksPerSecond;
        if (!Established)
        {
            // Until the first byte chooses TLS, a silent client is idle, as on a TCP port.
            var handshakeSince = Volatile.Read(ref _handshakeSince);
            return handshakeSince == 0
                ? Elapsed(StartedAt) >= (long)_options.IdleTimeout.TotalSeconds
                : Elapsed(handshakeSince) >= (long)_options.HandshakeTimeout.TotalSeconds;
        }

        if (IsSpliced)
        {
            return false;
        }

        var partialSince = Volatile.Read(ref _partialSince);
        if (partialSince != 0 && Elapsed(partialSince) >= (long)_options.FrameTimeout.TotalSeconds)
        {
            return true;
        }

        return Elapsed(Volatile.Read(ref _lastActivity)) >= (long)_options.IdleTimeout.TotalSeconds && !_engine.Allocations.TryGet(FiveTuple, out _);
    }

    /// <summary>Closes the socket, which ends the pending read and with it the connection.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    /// <summary>Reads STUN and ChannelData frames until the client leaves, or a ConnectionBind makes this a data connection.</summary>
    private async Task ReadFrames(PipeReader reader)
    {
        var context = new ClientContext(FiveTuple, _kind, this) { DataConnection = this };
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            OperationStatus status;
            var completedFrames = false;
            // Rented only while there are frames to answer, so an idle connection holds none.
            var response = ArrayPool<byte>.Shared.Rent(ResponseBufferLength);
            try
            {
                while ((status = StunStreamFramer.TryReadFrame(buffer, _options.MaxFrameLength, out var frame, out _)) == OperationStatus.Done)
                {
                    Handle(frame, response, context);
                    buffer = buffer.Slice(frame.End);
                    completedFrames = true;
                    if (_dataPeer is not null)
                    {
                        // What follows the ConnectionBind is the client's data: leave it for the splice.
                        reader.AdvanceTo(buffer.Start);
                        return;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(response);
            }

            if (status == OperationStatus.InvalidData)
            {
                LogUnframeable(_logger, FiveTuple);
                return;
            }

            var now = _time.GetTimestamp();
            Volatile.Write(ref _lastActivity, now);
            // The frame clock starts when a frame's first bytes arrive, and only a completed frame resets it.
            if (buffer.IsEmpty)
            {
                Volatile.Write(ref _partialSince, 0);
            }
            else if (completedFrames || Volatile.Read(ref _partialSince) == 0)
            {
                Volatile.Write(ref _partialSince, now);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// RFC 6062 section 5.5: bytes from the client go to the peer and back, unframed, until either side
    /// closes; then both are closed.
    /// </summary>
    private static async Task Splice(PipeReader fromClient, Stream toClient, TcpRelay.TcpPeerConnection peer)
    {
        var upstream = CopyToPeer(fromClient, peer.Socket);
        var downstream = CopyToClient(peer.Socket, toClient);
        await Task.WhenAny(upstream, downstream).ConfigureAwait(false);
        peer.Dispose();
        try
        {
            await Task.WhenAll(upstream, downstream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side closed; the other ends with it.
        }
    }

    private static async Task CopyToPeer(PipeReader fromClient, Socket peer)
    {
        while (true)
        {
            var result = await fromClient.ReadAsync().ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                await peer.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
            }

            fromClient.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>A zero-byte receive waits for the peer's data, so the buffer is held only while bytes are in flight.</summary>
    private static async Task CopyToClient(Socket peer, Stream toClient)
    {
        while (true)
        {
            await peer.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(SpliceBufferLength);
            try
            {
                var read = await peer.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                await toClient.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Handle(in ReadOnlySequence<byte> frame, byte[] response, in ClientContext context)
    {
        // A frame split across the pipe's segments is joined in pooled memory, which most frames never need.
        byte[]? joined = null;
        ReadOnlySpan<byte> message;
        if (frame.IsSingleSegment)
        {
            message = frame.FirstSpan;
        }
        else
        {
            joined = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(joined);
            message = joined.AsSpan(0, (int)frame.Length);
        }

        try
        {
            var length = _engine.ProcessClientMessage(message, context, response);
            if (length > 0)
            {
                Send(response.AsSpan(0, length));
            }
        }
#pragma warning disable CA1031 // One bad message must never take down the connection's reader with an unhandled exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailure(_logger, FiveTuple, e);
        }
        finally
        {
            if (joined is not null)
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
    }

    private async Task WriteLoop(Stream stream)
    {
        try
        {
            await DrainQueue(stream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone; closing the socket ends the read loop too.
            Close();
        }
    }

    private async Task DrainQueue(Stream stream)
    {
        var reader = _outgoing.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                try
                {
                    await stream.WriteAsync(message.Buffer.AsMemory(0, message.Length)).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Add(ref _queuedBytes, -message.Length);
                    ArrayPool<byte>.Shared.Return(message.Buffer);
                }
            }

            await stream.FlushAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {Client} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, FiveTuple client, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {Client} sent bytes that are neither STUN nor ChannelData, or too large a frame; closing it")]
    private static partial void LogUnframeable(ILogger logger, FiveTuple client);

    [LoggerMessage(Level = LogLevel.Error, Message = "A message on connection {Client} could not be handled; serving on")]
    private static partial void LogHandlerFailure(ILogger logger, FiveTuple client, Exception exception);
}
