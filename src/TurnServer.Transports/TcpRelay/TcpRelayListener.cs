using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.TcpRelay;

/// <summary>The listening socket of a TCP allocation: peers that connect are handed to the allocation's sink.</summary>
internal sealed partial class TcpRelayListener : IRelaySocket
{
    private readonly Socket _socket;
    private readonly IRelaySink _sink;
    private readonly ILogger _logger;

    public TcpRelayListener(Socket socket, IRelaySink sink, ILogger logger)
    {
        _socket = socket;
        _sink = sink;
        _logger = logger;
        LocalAddress = TransportAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);
        _ = Task.Run(AcceptLoop);
    }

    public TransportAddress LocalAddress { get; }

    private async Task AcceptLoop()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            try
            {
                accepted.NoDelay = true;
                _sink.PeerConnected(new TcpPeerConnection(accepted));
            }
#pragma warning disable CA1031 // One peer's connection must never end the allocation's listener.
            catch (Exception e)
#pragma warning restore CA1031
            {
                accepted.Dispose();
                LogAcceptFailed(_logger, LocalAddress, e);
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "A peer connection to TCP relay {Relay} could not be taken")]
    private static partial void LogAcceptFailed(ILogger logger, TransportAddress relay, Exception exception);
}
