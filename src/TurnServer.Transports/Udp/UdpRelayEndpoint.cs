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
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
            {
                break;
            }
            catch (SocketException)
            {
                // A peer's ICMP unreachable for an earlier send: the relay goes on.
                _counters.ReceiveFailed();
                continue;
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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A peer datagram on relay {Relay} could not be relayed; relaying on")]
    private static partial void LogRelayFailure(ILogger logger, TransportAddress relay, Exception exception);
}
