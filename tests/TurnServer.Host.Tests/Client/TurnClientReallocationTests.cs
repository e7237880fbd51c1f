using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Client;

/// <summary>Our client library makes its allocation again by itself when the server loses it.</summary>
[Collection(SequentialCollection.Name)]
public sealed class TurnClientReallocationTests
{
    [Theory]
    [InlineData(ClientTransport.Udp)]
    [InlineData(ClientTransport.Tcp)]
    public async Task ServerRestart_ClientAllocatesAgain_AndRelaysThroughTheNewAllocation(ClientTransport transport)
    {
        var port = Interop.ExternalTool.FreeUdpAndTcpPort();
        await using var peer = new UdpEchoPeer();
        var first = await ServerFixture.StartAsync($"--listening-port={port}");
        var server = new IPEndPoint(IPAddress.Loopback, port);
        await using var client = await TurnClient.AllocateAsync(RelayTurnClient.QuickToNotice(server, transport));
        var reallocated = new TaskCompletionSource<TurnReallocatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reallocated += (_, e) => reallocated.TrySetResult(e);
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);
        var before = client.RelayedEndPoint;

        await first.DisposeAsync();
        await using var second = await ServerFixture.StartAsync($"--listening-port={port}");

        var e = await reallocated.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(before, e.PreviousRelayedEndPoint);
        Assert.Equal(client.RelayedEndPoint, e.RelayedEndPoint);
        Assert.False(client.IsReallocating);
        Assert.Equal(1, second.Engine.Allocations.Count);
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);
    }

    [Fact]
    public async Task CheckAllocationSoon_FindsARestartedServer_LongBeforeTheKeepAlive()
    {
        var port = Interop.ExternalTool.FreeUdpAndTcpPort();
        await using var peer = new UdpEchoPeer();
        var first = await ServerFixture.StartAsync($"--listening-port={port}");
        var options = RelayTurnClient.QuickToNotice(new IPEndPoint(IPAddress.Loopback, port)) with { KeepAliveInterval = TimeSpan.FromMinutes(5) };
        await using var client = await TurnClient.AllocateAsync(options);
        var reallocated = new TaskCompletionSource<TurnReallocatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reallocated += (_, e) => reallocated.TrySetResult(e);
        await first.DisposeAsync();
        await using var second = await ServerFixture.StartAsync($"--listening-port={port}");

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(reallocated.Task.IsCompleted); // over UDP a restarted server says nothing until asked
        client.CheckAllocationSoon();
        await reallocated.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);
    }

    [Fact]
    public async Task AllocationEndedByTheServer_ClientNoticesAtItsNextKeepAlive_AndAllocatesAgain()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var peer = new UdpEchoPeer();
        await using var client = await TurnClient.AllocateAsync(RelayTurnClient.QuickToNotice(server.EndPoint));
        var reallocated = new TaskCompletionSource<TurnReallocatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reallocated += (_, e) => reallocated.TrySetResult(e);
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);

        var ended = Assert.Single(server.Engine.Allocations.All);
        Assert.True(server.Engine.EndAllocation(ended.Id, "ended by the test"));

        var e = await reallocated.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<TurnException>(e.Cause);
        Assert.Equal(437, ((TurnException)e.Cause).ErrorCode);
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);
        Assert.NotEqual(ended.Id, Assert.Single(server.Engine.Allocations.All).Id);
    }

    [Fact]
    public async Task WithoutReallocation_ALostAllocationFailsTheCallers()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var client = await TurnClient.AllocateAsync(RelayTurnClient.QuickToNotice(server.EndPoint) with { Reallocate = false });
        server.Engine.EndAllocation(Assert.Single(server.Engine.Allocations.All).Id, "ended by the test");

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var failure = await Assert.ThrowsAsync<TurnException>(async () => await client.ReceiveFromAsync(new byte[100], wait.Token));
        Assert.Contains("437", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TurnException>(async () => await client.SendToAsync(new IPEndPoint(IPAddress.Loopback, 9), new byte[1]));
    }
}
