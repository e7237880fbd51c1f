using System.Net;
using System.Text;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator.Tests;

/// <summary>
/// A connection that starts on the relay because direct packets are lost, and moves to the direct
/// path once they get through: one connection object, a PathChanged on each side, data throughout.
/// </summary>
public sealed class PathUpgradeTests
{
    private static readonly CoordinatorOptions Options = new()
    {
        SignalingUri = new Uri("ws://127.0.0.1/unused"),
        SignalingToken = "0:test:unused",
        DirectTimeout = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task RelayedConnection_MovesToTheDirectPath_WhenItStartsWorking()
    {
        var network = new FakeNetwork();
        var aliceHost = network.Base(CandidateKind.Host, "198.51.100.1:1000");
        var aliceRelay = network.Base(CandidateKind.Relayed, "203.0.113.1:5000");
        var bobHost = network.Base(CandidateKind.Host, "198.51.100.2:2000");
        var bobRelay = network.Base(CandidateKind.Relayed, "203.0.113.1:5001");
        var directBlocked = true;
        network.Drops = (from, to) => directBlocked && from.Address.ToString().StartsWith("198.", StringComparison.Ordinal) && to.Address.ToString().StartsWith("198.", StringComparison.Ordinal);

        await using var alice = new PeerConnection("bob", "s1", controlling: true, Options, [aliceHost, aliceRelay], localNat: null);
        await using var bob = new PeerConnection("alice", "s1", controlling: false, Options, [bobHost, bobRelay], localNat: null);
        var aliceOffer = alice.Describe(SessionDescription.Offer, [Candidate.Of(CandidateKind.Host, aliceHost.LocalEndPoint), Candidate.Of(CandidateKind.Relayed, aliceRelay.LocalEndPoint)]);
        var bobAnswer = bob.Describe(SessionDescription.Answer, [Candidate.Of(CandidateKind.Host, bobHost.LocalEndPoint), Candidate.Of(CandidateKind.Relayed, bobRelay.LocalEndPoint)]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var bobConnected = bob.ConnectAsync(aliceOffer, deadline.Token);
        var alicePath = await alice.ConnectAsync(bobAnswer, deadline.Token);
        await bobConnected;
        Assert.Equal(PathKind.Relayed, alicePath.Kind);

        var aliceMoved = new TaskCompletionSource<PathChangedEventArgs>();
        var bobMoved = new TaskCompletionSource<PathChangedEventArgs>();
        alice.PathChanged += (_, change) => aliceMoved.TrySetResult(change);
        bob.PathChanged += (_, change) => bobMoved.TrySetResult(change);
        await bob.SendAsync("over the relay"u8.ToArray(), deadline.Token);
        Assert.Equal("over the relay", Encoding.UTF8.GetString(await alice.ReceiveAsync(deadline.Token)));

        directBlocked = false;
        var change = await aliceMoved.Task.WaitAsync(deadline.Token);
        Assert.Equal(PathKind.Relayed, change.Previous.Kind);
        Assert.Equal(PathKind.Direct, change.Current.Kind);
        Assert.Equal(bobHost.LocalEndPoint, change.Current.Remote);
        Assert.Equal(PathKind.Direct, (await bobMoved.Task.WaitAsync(deadline.Token)).Current.Kind);

        await bob.SendAsync("direct"u8.ToArray(), deadline.Token);
        Assert.Equal("direct", Encoding.UTF8.GetString(await alice.ReceiveAsync(deadline.Token)));
        Assert.Equal(ConnectionStrategy.Direct, alice.Path!.Strategy);
    }
}
