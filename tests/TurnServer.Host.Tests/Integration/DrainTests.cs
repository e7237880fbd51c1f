using System.Diagnostics;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>Draining on a running server, alone and with a second instance to send clients to.</summary>
[Collection(SequentialCollection.Name)]
public sealed class DrainTests
{
    [Fact]
    public async Task Drain_RefusesNewAllocations_ServesLiveOnes_AndEndsWhenTheyAreGone()
    {
        await using var server = await ServerFixture.StartAsync("--drain-timeout=20");
        using var live = Client(server);
        live.Allocate();

        var stopwatch = Stopwatch.StartNew();
        var drain = server.DrainAsync();
        using var late = Client(server);
        Assert.Equal(508, UdpTurnClient.ErrorCode(Allocate(late)));
        Assert.Null(UdpTurnClient.ErrorCode(live.Request(StunMethod.Refresh)));
        Assert.False(drain.IsCompleted);

        live.Request(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0));
        Assert.Equal(0, await drain);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Drain_GivesUpAtItsDeadline()
    {
        await using var server = await ServerFixture.StartAsync("--drain-timeout=1");
        using var live = Client(server);
        live.Allocate();

        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(1, await server.DrainAsync());
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task DrainingInstance_SendsNewClientsToItsAlternate_WhichServesThem()
    {
        await using var second = await ServerFixture.StartAsync();
        await using var first = await ServerFixture.StartAsync($"--alternate-server={second.EndPoint}", "--drain-timeout=1");
        _ = first.DrainAsync();

        using var client = Client(first);
        var redirect = Allocate(client);
        Assert.Equal(300, UdpTurnClient.ErrorCode(redirect));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(redirect, out var message));
        Assert.True(message.TryGetAddress(StunAttributeType.AlternateServer, out var alternate));
        Assert.Equal(TransportAddress.FromIPEndPoint(second.EndPoint), alternate);

        using var moved = new UdpTurnClient(alternate.ToIPEndPoint(), ServerFixture.User, ServerFixture.Password);
        moved.Allocate();
        Assert.Equal(1, second.Engine.Allocations.Count);
        Assert.Equal(0, first.Engine.Allocations.Count);
    }

    private static UdpTurnClient Client(ServerFixture server) => new(server.EndPoint, ServerFixture.User, ServerFixture.Password);

    private static byte[] Allocate(UdpTurnClient client) =>
        client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
}
