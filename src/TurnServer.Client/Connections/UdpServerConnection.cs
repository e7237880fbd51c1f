using System.Net;
using System.Net.Sockets;

namespace TurnServer.Client.Connections;

/// <summary>A UDP socket connected to the server, so the kernel drops datagrams from anyone else.</summary>
internal sealed class UdpServerConnection : ServerConnection
{
    private const int MaxDatagram = 65536;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[MaxDatagram];

    private UdpServerConnection(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public override bool IsStream => false;

    public override IPEndPoint LocalEndPoint { get; }

    public override IPEndPoint RemoteEndPoint { get; }

    public static UdpServerConnection Open(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Connect(server);
            return new UdpServerConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        await _socket.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    public override async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var length = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (length > 0)
                {
                    return _buffer.AsMemory(0, length).ToArray();
                }

                // An empty datagram is no message; an empty result means a closed connection.
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // An ICMP error for an earlier datagram: as lost as any other, and retransmission handles it.
            }
        }
    }

    public override ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
