using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Framing;

namespace TurnServer.Transports.Udp;

/// <summary>
/// One socket read by .NET's allocation-free <c>ReceiveFromAsync(Memory, SocketFlags, SocketAddress)</c>,
/// one datagram per call: the loop for systems without recvmmsg, and for <c>udp-io = "portable"</c>.
/// </summary>
internal sealed class PortableReceiveLoop : IDisposable
{
    private readonly DatagramSocket _socket;
    private readonly IDatagramHandler _handler;
    private readonly int _dataCapacity;
    private int _disposed;

    public PortableReceiveLoop(DatagramSocket socket, IDatagramHandler handler)
    {
        _socket = socket;
        _handler = handler;
        _dataCapacity = handler.MaxDatagram;
        _ = Task.Run(Run);
    }

    private async Task Run()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(PeerDataFraming.Headroom + _dataCapacity + PeerDataFraming.Tailroom, pinned: true);
        var data = buffer.AsMemory(PeerDataFraming.Headroom, _dataCapacity);
        var from = new SocketAddress(_socket.Family);
        while (Volatile.Read(ref _disposed) == 0)
        {
            int received;
            try
            {
                received = await _socket.Socket.ReceiveFromAsync(data, SocketFlags.None, from).ConfigureAwait(false);
            }
            catch (SocketException e) when (DatagramErrors.IsPeerReport(e.SocketErrorCode))
            {
                _socket.Counters.ReceiveFailed();
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Fail(e.Message);
                break;
            }

            // No source address: the socket was shut down, and will only ever read nothing again.
            if (from.Size == 0)
            {
                Fail("shut down");
                break;
            }

            // A datagram that filled the buffer may have been cut short: dropped rather than half handled.
            if (received == _dataCapacity)
            {
                _socket.Counters.ReceiveFailed();
                continue;
            }

            _handler.Handle(_socket, buffer, PeerDataFraming.Headroom, received, SocketAddresses.ToTransportAddress(from));
        }
    }

    private void Fail(string error)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handler.Fail(error);
        }
    }

    /// <summary>Stops the loop; the owner's closing of the socket ends the receive under way.</summary>
    public void Dispose() => Interlocked.Exchange(ref _disposed, 1);
}
