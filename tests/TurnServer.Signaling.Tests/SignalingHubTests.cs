using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Signaling.Hub;
using TurnServer.Signaling.Messages;

namespace TurnServer.Signaling.Tests;

public sealed class SignalingHubTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly SignalingHub _hub;

    public SignalingHubTests() => _hub = new SignalingHub(new SignalingLimits(), _time, NullLogger<SignalingHub>.Instance);

    private RecordingConnection Registered(string id, string metadata = "{}")
    {
        var connection = new RecordingConnection(id);
        _hub.Connect(connection);
        Send(connection, $$"""{"type":"register","metadata":{{metadata}}}""");
        Assert.Equal(MessageType.Registered, connection.Last.Type);
        Assert.Equal(id, connection.Last.Peer);
        return connection;
    }

    private void Send(RecordingConnection from, string json) => _hub.Receive(from, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Signal_ReachesTheNamedPeer_WithTheSendersId_AndDataUntouched()
    {
        var alice = Registered("alice");
        var bob = Registered("bob");
        Send(alice, """{"type":"signal","to":"bob","data":{"kind":"offer","candidates":["udp 203.0.113.5 4000"]}}""");
        var received = bob.Last;
        Assert.Equal(MessageType.Signal, received.Type);
        Assert.Equal("alice", received.From);
        Assert.Equal("""{"kind":"offer","candidates":["udp 203.0.113.5 4000"]}""", received.Data!.Value.GetRawText());
        Assert.Equal(1, _hub.Routed);
    }

    [Fact]
    public void Signal_ToNobody_IsAnUnknownPeerError()
    {
        var alice = Registered("alice");
        Send(alice, """{"type":"signal","to":"bob","data":{}}""");
        Assert.Equal(ErrorCode.UnknownPeer, alice.Last.Code);
        Assert.Equal("bob", alice.Last.To);
    }

    [Fact]
    public void BeforeRegistering_OnlyPingIsAnswered()
    {
        var alice = new RecordingConnection("alice");
        _hub.Connect(alice);
        Registered("bob");
        Send(alice, """{"type":"signal","to":"bob","data":{}}""");
        Assert.Equal(ErrorCode.NotRegistered, alice.Last.Code);
        Send(alice, """{"type":"ping"}""");
        Assert.Equal(MessageType.Pong, alice.Last.Type);
    }

    [Fact]
    public void UnregisteredPeer_CannotBeSignaledOrDiscovered()
    {
        var alice = Registered("alice");
        _hub.Connect(new RecordingConnection("lurker"));
        Send(alice, """{"type":"signal","to":"lurker","data":{}}""");
        Assert.Equal(ErrorCode.UnknownPeer, alice.Last.Code);
        Send(alice, """{"type":"discover"}""");
        Assert.Empty(alice.Last.Peers!);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"no":"type"}""")]
    [InlineData("""{"type":7}""")]
    [InlineData("""{"type":"teleport"}""")]
    [InlineData("""{"type":"join","room":"has space"}""")]
    [InlineData("""{"type":"register","metadata":"a string"}""")]
    public void BadMessage_IsAnsweredWithAnError_AndTheConnectionStays(string json)
    {
        var alice = Registered("alice");
        Send(alice, json);
        Assert.Equal(ErrorCode.BadMessage, alice.Last.Code);
        Assert.Null(alice.ClosedWith);
        Send(alice, """{"type":"ping"}""");
        Assert.Equal(MessageType.Pong, alice.Last.Type);
    }

    [Fact]
    public void Join_ListsThoseAlreadyThere_AndTellsThemWhoCame_ThenWhoLeft()
    {
        var alice = Registered("alice", """{"app":"chat"}""");
        Send(alice, """{"type":"join","room":"lobby"}""");
        Assert.Empty(alice.Last.Peers!);

        var bob = Registered("bob", """{"app":"game"}""");
        Send(bob, """{"type":"join","room":"lobby"}""");
        var listed = Assert.Single(bob.Last.Peers!);
        Assert.Equal("alice", listed.Peer);
        Assert.Equal("chat", listed.Metadata!.Value.GetProperty("app").GetString());
        Assert.Equal(MessageType.PeerJoined, alice.Last.Type);
        Assert.Equal("bob", alice.Last.Peer);
        Assert.Equal("game", alice.Last.Metadata!.Value.GetProperty("app").GetString());

        Send(bob, """{"type":"leave","room":"lobby"}""");
        Assert.Equal(MessageType.PeerLeft, alice.Last.Type);
        Assert.Equal("bob", alice.Last.Peer);
        Assert.Equal(1, _hub.Rooms);
    }

    [Fact]
    public void Disconnect_LeavesEveryRoom_AndTheEmptyRoomsGo()
    {
        var alice = Registered("alice");
        var bob = Registered("bob");
        Send(alice, """{"type":"join","room":"one"}""");
        Send(alice, """{"type":"join","room":"two"}""");
        Send(bob, """{"type":"join","room":"one"}""");
        _hub.Disconnect(alice);
        Assert.Equal(MessageType.PeerLeft, bob.Last.Type);
        Assert.Equal("one", bob.Last.Room);
        Assert.Equal(1, _hub.Rooms);
        Assert.Equal(1, _hub.ConnectedPeers);
    }

    [Fact]
    public void Discover_InARoom_NeedsMembership_AndListsTheOthers()
    {
        var alice = Registered("alice");
        var bob = Registered("bob");
        Registered("carol");
        Send(bob, """{"type":"join","room":"lobby"}""");
        Send(alice, """{"type":"discover","room":"lobby"}""");
        Assert.Equal(ErrorCode.BadMessage, alice.Last.Code);
        Send(alice, """{"type":"join","room":"lobby"}""");
        Send(alice, """{"type":"discover","room":"lobby"}""");
        Assert.Equal(["bob"], alice.Last.Peers!.Select(p => p.Peer));
        Send(alice, """{"type":"discover"}""");
        Assert.Equal(["bob", "carol"], alice.Last.Peers!.Select(p => p.Peer).Order());
    }

    [Fact]
    public void SecondConnectionWithTheSameId_ReplacesTheFirst()
    {
        var old = Registered("alice");
        var bob = Registered("bob");
        Send(old, """{"type":"join","room":"lobby"}""");
        Send(bob, """{"type":"join","room":"lobby"}""");
        var fresh = Registered("alice");
        Assert.Equal(SignalingClose.Replaced, old.ClosedWith);
        Assert.Equal(MessageType.PeerLeft, bob.Last.Type);

        _hub.Disconnect(old); // the old connection's loop ends after the new one came: no effect
        Send(bob, """{"type":"signal","to":"alice","data":{"n":1}}""");
        Assert.Equal("bob", fresh.Last.From);
    }

    [Fact]
    public void Flood_IsRefusedPastTheBurst_ThenClosed_AndTheRateComesBackWithTime()
    {
        var limits = new SignalingLimits();
        var alice = Registered("alice");
        for (var i = 1; i < limits.MessageBurst; i++)
        {
            Send(alice, """{"type":"ping"}""");
        }

        Assert.All(alice.Sent, m => Assert.NotEqual(ErrorCode.RateLimited, m.Code));
        Send(alice, """{"type":"ping"}""");
        Assert.Equal(ErrorCode.RateLimited, alice.Last.Code);

        _time.Advance(TimeSpan.FromSeconds(1));
        Send(alice, """{"type":"ping"}""");
        Assert.Equal(MessageType.Pong, alice.Last.Type);

        for (var i = 0; i < limits.MessagesPerSecond + limits.RefusalsBeforeClose; i++)
        {
            Send(alice, """{"type":"ping"}""");
        }

        Assert.Equal(SignalingClose.Flooding, alice.ClosedWith);
    }

    [Fact]
    public void TooManyRooms_IsRefused()
    {
        var alice = Registered("alice");
        for (var i = 0; i < new SignalingLimits().MaxRoomsPerPeer; i++)
        {
            Send(alice, $$"""{"type":"join","room":"r{{i}}"}""");
            Assert.Equal(MessageType.Joined, alice.Last.Type);
        }

        Send(alice, """{"type":"join","room":"one-more"}""");
        Assert.Equal(ErrorCode.TooManyRooms, alice.Last.Code);
        Send(alice, """{"type":"join","room":"r0"}""");
        Assert.Equal(MessageType.Joined, alice.Last.Type);
    }
}
