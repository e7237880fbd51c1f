using System.Net;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.Udp;

/// <summary>
/// Serves STUN/TURN on one UDP address: each datagram handed to the engine on the receive loop that
/// read it, any response sent straight back to the address it came from. With several batched loops
/// the address has one socket per loop.
/// </summary>
public sealed partial class UdpListener : IClientTransport, IDatagramHandler, IAsyncDisposable
{
    /// <summary>Responses are small: the largest carries a few addresses, integrity and a fingerprint.</summary>
    private const int ResponseBufferLength = 1500;

    [ThreadStatic]
    private static byte[]? t_response;

    private readonly DatagramSocket[] _sockets;
    private readonly UdpIo _io;
    private readonly TurnEngine _engine;
    private readonly ILogger _logger;
    private readonly List<IDisposable> _loops = [];
    private IBehaviorDiscoveryTransport? _behaviorDiscovery;

    public UdpListener(IPEndPoint endPoint, TurnEngine engine, UdpIo io, TransportCounters counters, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(io);
        _engine = engine;
        _io = io;
        _logger = logger;
        _sockets = [.. io.BindListener(endPoint).Select(socket => new DatagramSocket(socket, counters))];
        LocalEndPoint = _sockets[0].LocalEndPoint;
        LocalAddress = TransportAddress.FromIPEndPoint(LocalEndPoint);
    }

    /// <summary>The bound address, with the real port when the configured one was 0.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public TransportAddress LocalAddress { get; }

    /// <summary>Any datagram up to UDP's limit: a client's ChannelData may be as long as its path allows.</summary>
    int IDatagramHandler.MaxDatagram => 65536;

    public void Start()
    {
        for (var i = 0; i < _sockets.Length; i++)
        {
            _loops.Add(_io.StartOn(i, _sockets[i], this));
        }
    }

    /// <summary>Makes requests on this listener carry its place in an RFC 5780 group, which also answers them.</summary>
    internal void JoinBehaviorDiscovery(IBehaviorDiscoveryTransport member) => _behaviorDiscovery = member;

    /// <summary>Sends one message to a client from this listener's address; failures are counted, as lost datagrams.</summary>
    internal void SendTo(in TransportAddress client, ReadOnlySpan<byte> message) => DatagramSender.Send(_sockets[0], client, message);

    public IClientChannel CreateChannel(in TransportAddress client) => new UdpClientChannel(_sockets[0], client);

    void IDatagramHandler.Handle(DatagramSocket receivedOn, Span<byte> buffer, int offset, int length, in TransportAddress from)
    {
        try
        {
            var response = t_response ??= GC.AllocateUninitializedArray<byte>(ResponseBufferLength, pinned: true);
            var context = new ClientContext(new FiveTuple(from, LocalAddress, TransportProtocol.Udp), ClientTransportKind.Udp, _behaviorDiscovery ?? (IClientTransport)this) { BehaviorDiscovery = _behaviorDiscovery };
            var written = _engine.ProcessClientMessage(buffer.Slice(offset, length), context, response);
            if (written > 0)
            {
                DatagramSender.Send(receivedOn, from, response.AsSpan(0, written));
            }
        }
#pragma warning disable CA1031 // One bad datagram must never stop the listener for everyone else.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailure(_logger, LocalEndPoint, e);
        }
    }

    void IDatagramHandler.Fail(string error) => LogReceiveFailed(_logger, LocalEndPoint, error);

    public ValueTask DisposeAsync()
    {
        _loops.ForEach(loop => loop.Dispose());
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "UDP listener {EndPoint} can no longer receive ({Error})")]
    private static partial void LogReceiveFailed(ILogger logger, IPEndPoint endPoint, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A datagram on {EndPoint} could not be handled; serving on")]
    private static partial void LogHandlerFailure(ILogger logger, IPEndPoint endPoint, Exception exception);
}
