using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Metrics;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// What an attacker tried against the running server, over real sockets: replaying a captured
/// request, smuggling attributes past MESSAGE-INTEGRITY, repeating attributes, and relaying into the
/// server's own listeners.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class HardeningTests
{
    [Fact]
    public async Task ACapturedRequest_ReplayedFromAnotherPortOfTheSameIP_Is438_AndGivesNothing()
    {
        await using var server = await ServerFixture.StartAsync();
        using var victim = Client(server);
        WriteAttributes udp = (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp);
        Assert.True(victim.TakeChallenge(victim.Exchange(victim.Build(StunMethod.Allocate, udp, signed: false))));
        var allocate = victim.Build(StunMethod.Allocate, udp, signed: true);
        Assert.Null(UdpTurnClient.ErrorCode(victim.Exchange(allocate)));
        var permission = victim.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) =>
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse("127.0.0.1:40000")), signed: true);

        // Everyone behind one NAT shares the victim's IP; the attacker sends the captured bytes from its own port.
        using var attacker = Client(server);
        Assert.Equal(438, UdpTurnClient.ErrorCode(attacker.Exchange(allocate)));
        Assert.Equal(438, UdpTurnClient.ErrorCode(attacker.Exchange(permission)));

        Assert.Equal(1, server.Engine.Allocations.Count);
        Assert.Equal(2, server.Engine.Counters.DroppedFor(DropReason.Replayed));
        Assert.Null(UdpTurnClient.ErrorCode(victim.Exchange(permission))); // still the victim's own
    }

    [Fact]
    public async Task AttributesAfterMessageIntegrity_AreIgnored_NotHonoured()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = Client(server);
        var allocated = client.Request(
            StunMethod.Allocate,
            (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp),
            afterIntegrity: LongTermSigner.RawAttribute(StunAttributeType.Software, "after the integrity"u8.ToArray()));
        Assert.Null(UdpTurnClient.ErrorCode(allocated));

        // A LIFETIME of 0 would delete the allocation; after the integrity it is not the client's word.
        var refreshed = client.Request(StunMethod.Refresh, afterIntegrity: LongTermSigner.RawAttribute(StunAttributeType.Lifetime, [0, 0, 0, 0]));
        Assert.Null(UdpTurnClient.ErrorCode(refreshed));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(refreshed, out var answer));
        Assert.True(answer.TryGetUInt32(StunAttributeType.Lifetime, out var lifetime));
        Assert.Equal(600u, lifetime);
        Assert.Equal(1, server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task RepeatedAttributes_AreServed_AndTheFirstCounts()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = Client(server);
        var binding = client.Exchange(client.Build(StunMethod.Binding, (ref StunMessageWriter w) =>
        {
            w.WriteUtf8(StunAttributeType.Software, "one");
            w.WriteUtf8(StunAttributeType.Software, "two");
        }, signed: false));
        Assert.True(StunMessage.Read(binding, out var bound) == StunReadStatus.Ok && bound.Class == StunClass.SuccessResponse);

        // UDP first, then TCP: a UDP client asking for TCP would get 442, so success means the first counted.
        var allocated = client.Request(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.WriteRequestedTransport(TransportProtocol.Udp);
            w.WriteRequestedTransport(TransportProtocol.Tcp);
        });
        Assert.Null(UdpTurnClient.ErrorCode(allocated));

        var refreshed = client.Request(StunMethod.Refresh, (ref StunMessageWriter w) =>
        {
            w.WriteUInt32(StunAttributeType.Lifetime, 0);
            w.WriteUInt32(StunAttributeType.Lifetime, 600);
        });
        Assert.Null(UdpTurnClient.ErrorCode(refreshed));
        Assert.Equal(0, server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task RelayingIntoTheServersOwnListeners_IsRefused_EvenWithLoopbackPeersAllowed()
    {
        // The fixture runs with allow-loopback-peers, as a test or lab deployment would.
        await using var server = await ServerFixture.StartAsync();
        using var client = Client(server);
        client.Allocate();
        var listeners = new List<TransportAddress> { TransportAddress.FromIPAddress(server.EndPoint.Address, (ushort)server.EndPoint.Port) };
        listeners.Add(TransportAddress.Parse($"127.0.0.2:{server.EndPoint.Port}")); // all of 127/8 is this host
        listeners.Add(TransportAddress.Parse($"0.0.0.0:{server.EndPoint.Port}")); // Linux delivers this locally

        foreach (var listener in listeners)
        {
            Assert.Equal(403, UdpTurnClient.ErrorCode(client.Request(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
            {
                w.WriteChannelNumber(0x4000);
                w.WriteXorAddress(StunAttributeType.XorPeerAddress, listener);
            })));
        }

        // A permission has no port, so it is granted; a Binding request sent through it must not come back answered.
        var own = listeners[0];
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, own))));
        var binding = new StunMessageWriter(new byte[64], new StunMessageType(StunMethod.Binding, StunClass.Request), TransactionId.NewRandom());
        var bindingBytes = binding.Written.ToArray();
        client.Send(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, own);
            w.WriteAttribute(StunAttributeType.Data, bindingBytes);
        }, signed: false, StunClass.Indication));

        client.Socket.ReceiveTimeout = 1000;
        var buffer = new byte[2048];
        Assert.Throws<SocketException>(() => client.Socket.Receive(buffer));
        Assert.Equal(listeners.Count + 1, server.Engine.Counters.DroppedFor(DropReason.RelayLoop));
    }

    private static UdpTurnClient Client(ServerFixture server) => new(server.EndPoint, ServerFixture.User, ServerFixture.Password);
}
