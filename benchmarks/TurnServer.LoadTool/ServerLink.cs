using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using TurnServer.Protocol.Framing;

namespace TurnServer.LoadTool;

/// <summary>One client's connection to the server: whole STUN or ChannelData messages in and out.</summary>
internal abstract class ServerLink : IAsyncDisposable
{
    public abstract bool IsStream { get; }

    public static async Task<ServerLink> OpenAsync(IPEndPoint server, string transport, CancellationToken cancellationToken)
    {
        if (transport == "udp")
        {
            var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server);
            return new DatagramLink(socket);
        }

        var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await tcp.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(tcp, ownsSocket: true);
        if (transport == "tls")
        {
            // A load tool measures the server, not its certificate: any is accepted.
#pragma warning disable CA5359
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
#pragma warning restore CA5359
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "turnload" }, cancellationToken).ConfigureAwait(false);
            stream = tls;
        }

        return new StreamLink(stream);
    }

    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>The next message into <paramref name="buffer"/>; 0 when the server closed the connection.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    private sealed class DatagramLink(Socket socket) : ServerLink
    {
        public override bool IsStream => false;

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
            await socket.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            while (true)
            {
                try
                {
                    return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    // An ICMP error for an earlier datagram: it was lost, like any other.
                }
            }
        }

        public override ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>TCP or TLS: messages cut out of the byte stream (ChannelData padded to four bytes, RFC 8656 section 12.5).</summary>
    private sealed class StreamLink(Stream stream) : ServerLink
    {
        private readonly byte[] _pending = new byte[2 * StunStreamFramer.MaxPossibleFrameLength];
        private readonly SemaphoreSlim _sending = new(1, 1);
        private int _start;
        private int _end;

        public override bool IsStream => true;

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sending.Release();
            }
        }

        public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            while (true)
            {
                var status = StunStreamFramer.TryReadFrame(_pending.AsSpan(_start, _end - _start), StunStreamFramer.MaxPossibleFrameLength, out var length, out _);
                if (status == OperationStatus.Done)
                {
                    _pending.AsSpan(_start, length).CopyTo(buffer.Span);
                    _start += length;
                    return length;
                }

                if (status == OperationStatus.InvalidData)
                {
                    throw new InvalidDataException("the server sent a frame that is neither STUN nor ChannelData");
                }

                if (_start > 0)
                {
                    _pending.AsSpan(_start, _end - _start).CopyTo(_pending);
                    _end -= _start;
                    _start = 0;
                }

                var read = await stream.ReadAsync(_pending.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return 0;
                }

                _end += read;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            _sending.Dispose();
        }
    }
}
