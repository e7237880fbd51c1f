using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using TurnServer.Protocol.Framing;

namespace TurnServer.Client.Connections;

/// <summary>TCP or TLS to the server, cut into STUN and ChannelData messages by <see cref="StunStreamFramer"/>.</summary>
internal sealed class StreamServerConnection : ServerConnection
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    private StreamServerConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public override bool IsStream => true;

    public override IPEndPoint LocalEndPoint { get; }

    public override IPEndPoint RemoteEndPoint { get; }

    public static async Task<StreamServerConnection> OpenAsync(IPEndPoint server, TlsClientOptions? tls, CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = tls.TargetHost ?? server.Address.ToString(),
                        RemoteCertificateValidationCallback = tls.CertificateValidation,
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            return new StreamServerConnection(socket, stream);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = StunStreamFramer.TryReadFrame(_buffer.AsSpan(_start, _end - _start), StunStreamFramer.MaxPossibleFrameLength, out var length, out _);
            if (status == OperationStatus.Done)
            {
                var frame = _buffer.AsMemory(_start, length).ToArray();
                _start += length;
                return frame;
            }

            if (status == OperationStatus.InvalidData)
            {
                throw new InvalidDataException("the server sent something that is neither STUN nor ChannelData");
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            _end += read;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _writing.Dispose();
    }
}
