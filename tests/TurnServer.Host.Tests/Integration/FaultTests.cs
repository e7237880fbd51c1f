using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>What goes wrong around a relay without anyone's help: peers that are gone, clients that vanish.</summary>
[Collection(SequentialCollection.Name)]
public sealed class FaultTests
{
    [Fact]
    public async Task PeerAnsweringWithIcmpUnreachable_DoesNotStopTheRelay()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var relayed = client.Allocate();
        var gone = TransportAddress.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, Interop.ExternalTool.FreeUdpPort()));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var live = TransportAddress.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);
        foreach (var address in new[] { gone, live })
        {
            Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, address))));
        }

        // Nothing listens there: the kernel answers each datagram with ICMP port unreachable, which
        // surfaces as an error on the relay socket's next receive.
        for (var i = 0; i < 3; i++)
        {
            client.Send(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
            {
                w.WriteXorAddress(StunAttributeType.XorPeerAddress, gone);
                w.WriteAttribute(StunAttributeType.Data, "anyone?"u8);
            }, signed: false, StunClass.Indication));
        }

        await Task.Delay(200);
        peer.SendTo("still here"u8, relayed.ToIPEndPoint());
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(client.Receive(), out var indication));
        Assert.True(indication.TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal("still here"u8.ToArray(), data.ToArray());
    }

    [Fact]
    public async Task ClientThatVanishes_ItsAllocationExpiresAndItsRelayPortIsFreed()
    {
        var time = new FakeTimeProvider();
        await using var server = await ServerFixture.StartAsync(null, time);
        TransportAddress relayed;
        using (var client = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password))
        {
            relayed = client.Allocate();
        }

        // Ten minutes and more without a Refresh: the once-a-second sweep ends it.
        for (var minute = 0; minute < 11; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20);
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (server.Engine.Allocations.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, server.Engine.Allocations.Count);
        using var reuse = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        reuse.Bind(relayed.ToIPEndPoint()); // throws if the relay socket were still open
    }

    [Theory]
    [InlineData("batched")]
    [InlineData("portable")]
    public async Task RelaySocketFailing_EndsOnlyItsAllocation_WhoseClientAllocatesAgain(string udpIo)
    {
        await using var server = await ServerFixture.StartAsync($"--udp-io={udpIo}");
        await using var peer = new UdpEchoPeer();
        await using var victim = await TurnClient.AllocateAsync(RelayTurnClient.QuickToNotice(server.EndPoint));
        await using var bystander = await TurnClient.AllocateAsync(RelayTurnClient.QuickToNotice(server.EndPoint));
        var reallocated = new TaskCompletionSource<TurnReallocatedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        victim.Reallocated += (_, e) => reallocated.TrySetResult(e);
        bystander.Reallocated += (_, _) => Assert.Fail("the bystander lost its allocation");
        await RelayTurnClient.ExchangeAsync(victim, peer.EndPoint, messages: 2);
        var failed = victim.RelayedEndPoint;

        var batched = udpIo == "batched" && OperatingSystem.IsLinux();
        RelaySocketSabotage.BreakUnderneath(server.Engine.Allocations.All.Single(a => a.Relays[0].Address == TransportAddress.FromIPEndPoint(failed)), batched);

        var e = await reallocated.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(failed, e.PreviousRelayedEndPoint);
        await RelayTurnClient.ExchangeAsync(victim, peer.EndPoint, messages: 3);
        await RelayTurnClient.ExchangeAsync(bystander, peer.EndPoint, messages: 3);
        Assert.Equal(2, server.Engine.Allocations.Count);
        Assert.Contains(server.LoggedProblems, line => line.Contains($"Relay socket {TransportAddress.FromIPEndPoint(failed)} failed", StringComparison.Ordinal));
    }
}
