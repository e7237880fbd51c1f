using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// One allocation's relay socket. Datagrams from peers are received after
/// <see cref="TurnEngine.PeerDataHeadroom"/> free bytes so the engine can frame them for the client in
/// place; datagrams to peers go out through one reusable socket address per endpoint.
/// </summary>
internal sealed partial class UdpRelayEndpoint : IRelayEndpoint
{
    // Peers of WebRTC clients send datagrams under the path MTU; 4 KB leaves room for jumbo frames
    // while keeping each allocation small. Longer datagrams are dropped and counted.
    private const int MaxPeerDatagram = 4096;
    private const int BufferLength = TurnEngine.PeerDataHeadroom + MaxPeerDatagram + TurnEngine.PeerDataTailroom;

    private readonly Socket _socket;
    private readonly Allocation _owner;
    private readonly TurnEngine _engine;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly Lock _sendGate = new();
    private readonly SocketAddress _sendAddress;
    private TransportAddress _sendAddressFor;
    private int _disposed;

    public UdpRelayEndpoint(Socket socket, Allocation owner, TurnEngine engine, TransportCounters counters, ILogger logger)
    {
        _socket = socket;
        _owner = owner;
        _engine = engine;
        _counters = counters;
        _logger = logger;
        LocalAddress = TransportAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
        _sendAddress = new SocketAddress(socket.AddressFamily);
        _ = Task.Run(ReceiveLoop);
    }

    public TransportAddress LocalAddress { get; }

    public void SendToPeer(ReadOnlySpan<byte> data, in TransportAddress peer)
    {
        try
        {
            lock (_sendGate)
            {
                if (_sendAddressFor != peer)
                {
                    SocketAddresses.Write(peer, _sendAddress);
                    _sendAddressFor = peer;
                }

                _socket.SendTo(data, SocketFlags.None, _sendAddress);
            }
        }
        catch (SocketException)
        {
            _counters.SendFailed();
        }
        catch (ObjectDisposedException)
        {
            // The allocation ended while this packet was on its way.
        }
    }

    private async Task ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BufferLength);
        var data = buffer.AsMemory(TurnEngine.PeerDataHeadroom, BufferLength - TurnEngine.PeerDataHeadroom - TurnEngine.PeerDataTailroom);
        var from = new SocketAddress(_socket.AddressFamily);
        while (Volatile.Read(ref _disposed) == 0)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(data, SocketFlags.None, from).ConfigureAwait(false);
            }
            catch (SocketException e) when (IsPeerReport(e.SocketErrorCode))
            {
                // A peer's ICMP error for an earlier send: the relay goes on.
                _counters.ReceiveFailed();
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

            // A datagram that filled the buffer may have been cut short: drop it rather than relay half.
            if (received == data.Length)
            {
                _counters.ReceiveFailed();
                continue;
            }

            try
            {
                _engine.RelayToClient(_owner, SocketAddresses.ToTransportAddress(from), buffer, TurnEngine.PeerDataHeadroom, received);
            }
#pragma warning disable CA1031 // One peer packet must never end the relay.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogRelayFailure(_logger, LocalAddress, e);
            }
        }
    }

    /// <summary>Errors the kernel reports for ICMP messages about earlier sends, or for a moment's shortage.</summary>
    private static bool IsPeerReport(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
        or SocketError.MessageSize or SocketError.TimedOut or SocketError.NoBufferSpaceAvailable;

    /// <summary>
    /// The socket broke while the allocation was live: a relay that cannot receive serves no one, so the
    /// allocation ends and its client, refused with 437 at its next request, allocates again.
    /// </summary>
    private void Fail(string error)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return; // Closed by the allocation's own end.
        }

        _counters.ReceiveFailed();
        LogSocketFailed(_logger, LocalAddress, error);
        _engine.EndAllocation(_owner.Id, "its relay socket failed");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Relay socket {Relay} failed ({Error}); ending its allocation")]
    private static partial void LogSocketFailed(ILogger logger, TransportAddress relay, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A peer datagram on relay {Relay} could not be relayed; relaying on")]
    private static partial void LogRelayFailure(ILogger logger, TransportAddress relay, Exception exception);
}
