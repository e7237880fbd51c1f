using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// Attacks against the running server on loopback, each checked for what it costs the server and
/// whether a well-behaved client (from another address) is still served meanwhile.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class AbuseTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Sources = 400;

    [Fact]
    public async Task UnauthenticatedAllocateFlood_FromManyPorts_IsRateLimited_CostsNoMemoryPerSource_AndOthersAreServed()
    {
        await using var server = await ServerFixture.StartAsync();
        var request = MinimalAllocate();
        using (var warmUp = Bound(IPAddress.Parse("127.0.0.3")))
        {
            warmUp.SendTo(request, server.EndPoint); // the first challenge compiles the code it runs
            await DrainAsync([warmUp]);
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var sockets = Enumerable.Range(0, Sources).Select(_ => Bound(IPAddress.Loopback)).ToList();
        var started = DateTime.UtcNow;
        foreach (var socket in sockets)
        {
            socket.SendTo(request, server.EndPoint);
        }

        // A legitimate client on another address is served while the flood's answers drain.
        using (var legitimate = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password, bindTo: IPAddress.Parse("127.0.0.2")))
        {
            legitimate.Allocate();
        }

        var (answers, answeredBytes) = await DrainAsync(sockets);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        sockets.ForEach(s => s.Dispose());
        sockets.Clear();
        var after = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"{Sources} requests of {request.Length} bytes, {answers} answered in {seconds:F2} s, {answeredBytes / Math.Max(1, answers)} bytes each, {(after - before) / Sources} bytes of heap per source");

        // 20 a second with a burst of 40 from one address, however many ports it uses.
        Assert.InRange(answers, 1, 40 + (int)(20 * seconds) + 1);
        Assert.True((after - before) / Sources < 1024, $"{(after - before) / Sources} bytes held per flooding source");

        // Each challenge is bounded in size, so what a spoofed flood can reflect at one victim is too.
        Assert.True(answeredBytes / answers <= 120, $"{answeredBytes / answers} bytes per challenge");
        Assert.Equal(1, server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task RelayPortExhaustion_Is508_AndRecoversWhenAllocationsEnd()
    {
        await using var server = await ServerFixture.StartAsync("--min-port=50100", "--max-port=50101");
        using var first = Client(server);
        using var second = Client(server);
        using var third = Client(server);
        first.Allocate();
        second.Allocate();

        Assert.Equal(508, UdpTurnClient.ErrorCode(third.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));

        first.Request(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0));
        third.Allocate();
        Assert.Equal(2, server.Engine.Allocations.Count);
    }

    private static UdpTurnClient Client(ServerFixture server) => new(server.EndPoint, ServerFixture.User, ServerFixture.Password);

    private static byte[] MinimalAllocate()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.Request), TransactionId.NewRandom());
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        return writer.Written.ToArray();
    }

    private static Socket Bound(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    /// <summary>Counts the answers the flooding sockets got within a second of quiet.</summary>
    private static async Task<(int Answers, long Bytes)> DrainAsync(List<Socket> sockets)
    {
        await Task.Delay(500);
        var buffer = new byte[2048];
        var (answers, bytes) = (0, 0L);
        foreach (var socket in sockets)
        {
            while (socket.Available > 0)
            {
                bytes += socket.Receive(buffer);
                answers++;
            }
        }

        return (answers, bytes);
    }
}
