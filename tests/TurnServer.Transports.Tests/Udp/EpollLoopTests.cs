using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Protocol.Addressing;
using TurnServer.Transports;
using TurnServer.Transports.Udp;
using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Tests.Udp;

/// <summary>
/// One batched loop over real loopback sockets (Linux only). Sockets and loop are closed at the end of
/// each test, not in a finally: were the loop stuck, it would hold their handles, and closing one
/// would wait with it; a failed test leaves them to the process's end instead.
/// </summary>
public sealed class EpollLoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static Socket BoundSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static DatagramSocket BoundDatagramSocket() => new(BoundSocket(), new TransportCounters());

    /// <summary>
    /// What a Refresh of 0 does after the client's last ChannelData in the same round: the relay socket
    /// has a datagram queued in the batch, and the handler closes it. The datagram still leaves, the
    /// socket closes, and the loop serves on.
    /// </summary>
    [BatchedUdpFact]
    public void AHandler_ClosingASocketItQueuedDatagramsFor_DoesNotStopTheLoop()
    {
        var loop = new EpollLoop(0, NullLogger.Instance);
        var listening = BoundDatagramSocket();
        var relay = BoundDatagramSocket();
        var peer = BoundSocket();
        var client = BoundSocket();
        var handler = new RecordingHandler(datagram =>
        {
            if (datagram == "send, then close")
            {
                DatagramSender.Send(relay, TransportAddress.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!), "last words"u8);
                relay.Dispose();
            }
        });
        var registration = loop.Register(listening, handler);

        client.SendTo("send, then close"u8, listening.LocalEndPoint);
        var buffer = new byte[64];
        var received = peer.Receive(buffer);
        Assert.Equal("last words", Encoding.ASCII.GetString(buffer, 0, received));

        client.SendTo("still serving?"u8, listening.LocalEndPoint);
        Assert.True(handler.WaitFor("still serving?", Patience), "the loop stopped serving after a handler closed a socket");
        Assert.Throws<ObjectDisposedException>(() => relay.Socket.Send([1]));

        registration.Dispose();
        loop.Dispose();
        listening.Dispose();
        peer.Dispose();
        client.Dispose();
    }

    /// <summary>A handler that closes the very socket the loop is reading from, as a failing relay endpoint does.</summary>
    [BatchedUdpFact]
    public void AHandler_ClosingTheSocketBeingRead_DoesNotStopTheLoop()
    {
        var loop = new EpollLoop(0, NullLogger.Instance);
        var relay = BoundDatagramSocket();
        var other = BoundDatagramSocket();
        var client = BoundSocket();
        var closing = new RecordingHandler(_ => relay.Dispose());
        var serving = new RecordingHandler(_ => { });
        var relayRegistration = loop.Register(relay, closing);
        var otherRegistration = loop.Register(other, serving);

        client.SendTo("close yourself"u8, relay.LocalEndPoint);
        Assert.True(closing.WaitFor("close yourself", Patience));
        client.SendTo("still serving?"u8, other.LocalEndPoint);
        Assert.True(serving.WaitFor("still serving?", Patience), "the loop stopped serving after a handler closed its own socket");

        relayRegistration.Dispose();
        otherRegistration.Dispose();
        loop.Dispose();
        other.Dispose();
        client.Dispose();
    }

    private sealed class RecordingHandler(Action<string> onDatagram) : IDatagramHandler
    {
        private readonly List<string> _seen = [];

        public int MaxDatagram => 1500;

        public void Handle(DatagramSocket receivedOn, Span<byte> buffer, int offset, int length, in TransportAddress from)
        {
            var datagram = Encoding.ASCII.GetString(buffer.Slice(offset, length));
            onDatagram(datagram);
            lock (_seen)
            {
                _seen.Add(datagram);
                Monitor.PulseAll(_seen);
            }
        }

        public void Fail(string error)
        {
        }

        public bool WaitFor(string datagram, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            lock (_seen)
            {
                while (!_seen.Contains(datagram))
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    Monitor.Wait(_seen, left);
                }

                return true;
            }
        }
    }
}
