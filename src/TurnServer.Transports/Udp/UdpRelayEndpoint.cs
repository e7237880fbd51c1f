using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// One allocation's relay socket. Its datagrams from peers are read by one of the shared receive loops
/// into a buffer with headroom and handed to the allocation's sink, which frames them for the client in
/// place; the allocation holds no buffer of its own.
/// </summary>
internal sealed partial class UdpRelayEndpoint : IRelayEndpoint, IDatagramHandler
{
    // Peers of WebRTC clients send datagrams under the path MTU; 4 KB leaves room for jumbo frames.
    // Longer datagrams are dropped and counted.
    private const int MaxPeerDatagram = 4096;

    private readonly DatagramSocket _socket;
    private readonly IRelaySink _sink;
    private readonly ILogger _logger;
    private readonly IDisposable _loop;
    private int _disposed;

    public UdpRelayEndpoint(DatagramSocket socket, IRelaySink sink, UdpIo io, ILogger logger)
    {
        _socket = socket;
        _sink = sink;
        _logger = logger;
        LocalAddress = TransportAddress.FromIPEndPoint(socket.LocalEndPoint);
        _loop = io.Start(socket, this);
    }

    public TransportAddress LocalAddress { get; }

    int IDatagramHandler.MaxDatagram => MaxPeerDatagram;

    public void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer) => DatagramSender.Send(_socket, peer, data);

    void IDatagramHandler.Handle(DatagramSocket receivedOn, Span<byte> buffer, int offset, int length, in TransportAddress from)
    {
        try
        {
            _sink.FromPeer(from, buffer, offset, length);
        }
#pragma warning disable CA1031 // One peer packet must never end the relay.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRelayFailure(_logger, LocalAddress, e);
        }
    }

    /// <summary>
    /// The socket broke while the allocation was live: a relay that cannot receive serves no one, so the
    /// allocation ends and its client, refused with 437 at its next request, allocates again.
    /// </summary>
    void IDatagramHandler.Fail(string error)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return; // Closed by the allocation's own end.
        }

        _socket.Counters.ReceiveFailed();
        LogSocketFailed(_logger, LocalAddress, error);
        _sink.SocketFailed("its relay socket failed");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _loop.Dispose();
            _socket.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Relay socket {Relay} failed ({Error}); ending its allocation")]
    private static partial void LogSocketFailed(ILogger logger, TransportAddress relay, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A peer datagram on relay {Relay} could not be relayed; relaying on")]
    private static partial void LogRelayFailure(ILogger logger, TransportAddress relay, Exception exception);
}
