using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Transports;
using TurnServer.Transports.Udp;
using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Tests.Udp;

/// <summary>The batched loops' sendmmsg batches, over real loopback sockets (Linux only).</summary>
public sealed class SendBatchTests : IDisposable
{
    private readonly TransportCounters _counters = new();
    private readonly DatagramSocket _first = Bound();
    private readonly DatagramSocket _second = Bound();
    private readonly Socket _firstPeer = BoundPeer();
    private readonly Socket _secondPeer = BoundPeer();

    private static DatagramSocket Bound() => new(BoundPeer(), new TransportCounters());

    private static Socket BoundPeer()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static TransportAddress AddressOf(Socket socket) => TransportAddress.FromIPEndPoint((IPEndPoint)socket.LocalEndPoint!);

    [BatchedUdpFact]
    public void InterleavedSocketsAndDestinations_ArriveInOrder_FromTheSocketThatQueuedThem()
    {
        using var batch = new SendBatch();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(batch.TryAdd(_first, AddressOf(_firstPeer), [(byte)i]));
            Assert.True(batch.TryAdd(_second, AddressOf(_secondPeer), [(byte)(100 + i)]));
        }

        Assert.Equal(10, batch.Count);
        batch.Flush();
        Assert.Equal(0, batch.Count);
        Assert.Equal([0, 1, 2, 3, 4], Receive(_firstPeer, 5, expectedSender: _first));
        Assert.Equal([100, 101, 102, 103, 104], Receive(_secondPeer, 5, expectedSender: _second));
    }

    [BatchedUdpFact]
    public void ADatagramTheKernelRefuses_IsCountedAndSkipped_AndTheRestStillGo()
    {
        var socket = new DatagramSocket(BoundPeer(), _counters);
        using var batch = new SendBatch();
        batch.TryAdd(socket, AddressOf(_firstPeer), [1]);
        batch.TryAdd(socket, TransportAddress.FromIPv4(0x7F000001, 0), [2]); // port 0: EINVAL
        batch.TryAdd(socket, AddressOf(_firstPeer), [3]);
        batch.Flush();

        Assert.Equal([1, 3], Receive(_firstPeer, 2, expectedSender: socket));
        Assert.Equal(1, _counters.SendFailures);
        socket.Dispose();
    }

    [BatchedUdpFact]
    public void FullBatch_IsSentToMakeRoom()
    {
        using var batch = new SendBatch();
        for (var i = 0; i < SendBatch.Capacity + 3; i++)
        {
            batch.TryAdd(_first, AddressOf(_firstPeer), [(byte)i]);
        }

        Assert.Equal(3, batch.Count);
        batch.Flush();
        Assert.Equal(Enumerable.Range(0, SendBatch.Capacity + 3).Select(i => (byte)i), Receive(_firstPeer, SendBatch.Capacity + 3, expectedSender: _first));
    }

    [BatchedUdpFact]
    public void ALongDatagram_GoesAtOnce_AfterWhatWasQueuedBeforeIt()
    {
        using var batch = new SendBatch();
        DatagramSender.CurrentBatch = batch;
        try
        {
            DatagramSender.Send(_first, AddressOf(_firstPeer), [1]);
            DatagramSender.Send(_first, AddressOf(_firstPeer), new byte[SendBatch.MaxDatagram + 1]);
            DatagramSender.Send(_first, AddressOf(_firstPeer), [3]);
            Assert.Equal(1, batch.Count);
            batch.Flush();
        }
        finally
        {
            DatagramSender.CurrentBatch = null;
        }

        var lengths = new List<int>();
        var buffer = new byte[65536];
        for (var i = 0; i < 3; i++)
        {
            lengths.Add(_firstPeer.Receive(buffer));
        }

        Assert.Equal([1, SendBatch.MaxDatagram + 1, 1], lengths);
    }

    [Fact]
    public void WithoutABatch_SendsAtOnce()
    {
        DatagramSender.Send(_first, AddressOf(_firstPeer), [7]);
        Assert.Equal([7], Receive(_firstPeer, 1, expectedSender: _first));
    }

    private static byte[] Receive(Socket peer, int count, DatagramSocket expectedSender)
    {
        var received = new byte[count];
        var buffer = new byte[64];
        for (var i = 0; i < count; i++)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            Assert.Equal(1, peer.ReceiveFrom(buffer, ref from));
            Assert.Equal(expectedSender.LocalEndPoint, from);
            received[i] = buffer[0];
        }

        return received;
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _firstPeer.Dispose();
        _secondPeer.Dispose();
    }
}
