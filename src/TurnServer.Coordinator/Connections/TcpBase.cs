using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// A TCP connection to the peer that hole punching opened, carrying checks and datagrams framed as
/// RFC 4571 does (a 16-bit length before each), as ICE-TCP does. It reaches only its one peer address.
/// </summary>
internal sealed class TcpBase(Socket socket, IPEndPoint listening) : PacketBase
{
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;
    private int _disposed;

    public override CandidateKind Kind => CandidateKind.Host;

    public override ClientTransport Transport => ClientTransport.Tcp;

    /// <summary>The listening address this connection shares its port with.</summary>
    public override IPEndPoint LocalEndPoint => listening;

    public IPEndPoint Remote { get; } = (IPEndPoint)socket.RemoteEndPoint!;

    public override async ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        if (!to.Equals(Remote) || packet.Length > ushort.MaxValue)
        {
            return;
        }

        var frame = new byte[packet.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)packet.Length);
        packet.CopyTo(frame.AsMemory(2));
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection broke: its pair stops working, and another path carries on.
        }
        finally
        {
            _writing.Release();
        }
    }

    public override void Start(PacketHandler handler) => _receiving = Task.Run(() => ReceiveLoop(handler));

    private async Task ReceiveLoop(PacketHandler handler)
    {
        var buffer = new byte[ushort.MaxValue];
        var header = new byte[2];
        try
        {
            while (await ReadExactlyAsync(header).ConfigureAwait(false))
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(header);
                if (!await ReadExactlyAsync(buffer.AsMemory(0, length)).ConfigureAwait(false))
                {
                    break;
                }

                handler(this, Remote, buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed.
        }
    }

    private async Task<bool> ReadExactlyAsync(Memory<byte> into)
    {
        for (var read = 0; read < into.Length;)
        {
            var count = await socket.ReceiveAsync(into[read..], SocketFlags.None, _closing.Token).ConfigureAwait(false);
            if (count == 0)
            {
                return false;
            }

            read += count;
        }

        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        socket.Dispose();
        await _receiving.ConfigureAwait(false);
        _closing.Dispose();
        _writing.Dispose();
    }
}
