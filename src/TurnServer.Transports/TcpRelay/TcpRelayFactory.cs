using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Relaying;

namespace TurnServer.Transports.TcpRelay;

/// <summary>
/// Sockets for TCP allocations. The listening socket and the outgoing connections share the relayed
/// address and port, as RFC 6062 requires, which SO_REUSEADDR on both allows.
/// </summary>
public sealed class TcpRelayFactory(ILogger logger) : ITcpRelayFactory
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    public bool TryListen(in TransportAddress address, IRelaySink sink, out IRelaySocket? listener)
    {
        listener = null;
        Socket? socket = null;
        try
        {
            socket = NewSocket(address);
            socket.Listen(16);
        }
        catch (SocketException)
        {
            socket?.Dispose();
            return false;
        }

        listener = new TcpRelayListener(socket, sink, logger);
        return true;
    }

    public async Task<IPeerConnection?> ConnectAsync(TransportAddress from, TransportAddress peer, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var socket = NewSocket(from);
        try
        {
            await socket.ConnectAsync(peer.ToIPEndPoint(), deadline.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            return new TcpPeerConnection(socket);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static Socket NewSocket(in TransportAddress address)
    {
        var endPoint = address.ToIPEndPoint();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (OperatingSystem.IsLinux())
            {
                // Linux refuses a second bind to a listening port unless both sockets set SO_REUSEPORT.
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
