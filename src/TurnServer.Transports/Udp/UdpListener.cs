using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// Serves STUN/TURN on one UDP address: a receive loop on .NET's allocation-free
/// <c>ReceiveFromAsync(Memory, SocketFlags, SocketAddress)</c>, each datagram handed to the engine and
/// any response sent straight back to the address it came from.
/// </summary>
public sealed partial class UdpListener : IClientTransport, IAsyncDisposable
{
    /// <summary>Large enough for any datagram: a truncated one would be misread.</summary>
    private const int ReceiveBufferLength = 65536;
    private const int ResponseBufferLength = 1500;

    private readonly Socket _socket;
    private readonly TurnEngine _engine;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private IClientTransport _contextTransport;

    public UdpListener(IPEndPoint endPoint, TurnEngine engine, TransportCounters counters, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _engine = engine;
        _counters = counters;
        _logger = logger;
        _socket = ListeningSockets.BindUdp(endPoint);
        _contextTransport = this;
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        LocalAddress = TransportAddress.FromIPEndPoint(LocalEndPoint);
    }

    /// <summary>The bound address, with the real port when the configured one was 0.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public TransportAddress LocalAddress { get; }

    public void Start() => _loop = Task.Run(ReceiveLoop);

    /// <summary>Makes requests on this listener carry a richer transport, e.g. an RFC 5780 group's member.</summary>
    internal void UseForContext(IClientTransport transport) => _contextTransport = transport;

    /// <summary>Sends one message to a client from this listener's socket; failures are counted, as lost datagrams.</summary>
    internal void SendTo(in TransportAddress client, ReadOnlySpan<byte> message)
    {
        try
        {
            _socket.SendTo(message, SocketFlags.None, SocketAddresses.Create(client, _socket.AddressFamily));
        }
        catch (SocketException)
        {
            _counters.SendFailed();
        }
    }

    public IClientChannel CreateChannel(in TransportAddress client) =>
        new UdpClientChannel(_socket, SocketAddresses.Create(client, _socket.AddressFamily), _counters);

    private async Task ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferLength, pinned: true);
        var response = GC.AllocateUninitializedArray<byte>(ResponseBufferLength, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stopping.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // ICMP errors from earlier sends surface here on Linux: not a reason to stop serving.
                _counters.ReceiveFailed();
                LogReceiveError(_logger, LocalEndPoint, e.SocketErrorCode);
                continue;
            }

            Handle(buffer.AsSpan(0, received), from, response);
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram, SocketAddress from, byte[] response)
    {
        try
        {
            var client = SocketAddresses.ToTransportAddress(from);
            var context = new ClientContext(new FiveTuple(client, LocalAddress, TransportProtocol.Udp), _contextTransport);
            var length = _engine.ProcessClientMessage(datagram, context, response);
            if (length > 0)
            {
                _socket.SendTo(response.AsSpan(0, length), SocketFlags.None, from);
            }
        }
        catch (SocketException)
        {
            _counters.SendFailed();
        }
#pragma warning disable CA1031 // One bad datagram must never stop the listener for everyone else.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailure(_logger, LocalEndPoint, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP receive on {EndPoint} reported {Error}")]
    private static partial void LogReceiveError(ILogger logger, IPEndPoint endPoint, SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A datagram on {EndPoint} could not be handled; serving on")]
    private static partial void LogHandlerFailure(ILogger logger, IPEndPoint endPoint, Exception exception);
}
