using System.Net;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;
using TurnServer.Coordinator.Connections;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Tests;

/// <summary>
/// ICE restarts on the in-memory network with a fake clock: a side whose address changed gathers
/// again and agrees new credentials with the peer over signaling, and the connection carries on
/// (the same object, never closed) on a path to the new address.
/// </summary>
public sealed class RestartTests
{
    private static readonly IPEndPoint NewAliceAddress = IPEndPoint.Parse("198.51.100.11:1000");

    [Fact]
    public async Task AfterOurAddressChanged_ARestart_TakesTheConnectionToTheNewAddress_WithNewCredentials()
    {
        await using var peers = await FakePeers.ConnectAsync();
        peers.WireSignaling();
        var oldAddress = peers.AliceHost.LocalEndPoint;
        var (aliceUfrag, bobUfrag) = (peers.Alice.LocalUfrag, peers.Bob.LocalUfrag);
        var states = new List<ConnectionState>();
        peers.Alice.StateChanged += (_, change) => states.Add(change.Current);
        peers.Bob.StateChanged += (_, change) => states.Add(change.Current);

        // Wi-Fi to LTE: the socket stays, its address is new, and nothing reaches the old one.
        peers.Network.Alias(NewAliceAddress, peers.AliceHost);
        peers.Network.SourceSeen = (from, _) => from.Equals(oldAddress) ? NewAliceAddress : from;
        peers.Network.Drops = (_, to) => to.Equals(oldAddress);
        peers.Alice.Regather = _ => Task.FromResult<IReadOnlyList<Candidate>>(
            [Candidate.Of(CandidateKind.Host, NewAliceAddress), Candidate.Of(CandidateKind.Relayed, peers.AliceRelay.LocalEndPoint)]);
        peers.Bob.Regather = _ => Task.FromResult<IReadOnlyList<Candidate>>(
            [Candidate.Of(CandidateKind.Host, peers.BobHost.LocalEndPoint), Candidate.Of(CandidateKind.Relayed, peers.BobRelay.LocalEndPoint)]);

        var restart = peers.Alice.RestartAsync();
        await peers.RunUntilAsync(() => restart.IsCompleted && peers.Bob.Path is { Kind: PathKind.Direct } path && path.Remote.Equals(NewAliceAddress)
            && peers.Alice.Path is { Kind: PathKind.Direct }, TimeSpan.FromSeconds(10));
        await restart;

        Assert.NotEqual(aliceUfrag, peers.Alice.LocalUfrag);
        Assert.NotEqual(bobUfrag, peers.Bob.LocalUfrag);
        Assert.Equal(CandidateKind.Host, peers.Bob.Path!.RemoteKind); // known from the restart, not guessed from a check
        Assert.DoesNotContain(ConnectionState.Closed, states);
        Assert.DoesNotContain(ConnectionState.Failed, states);
        await peers.AssertDeliveredAsync(peers.Alice, peers.Bob, "from the new address");
        await peers.AssertDeliveredAsync(peers.Bob, peers.Alice, "to the new address");

        await AssertBothStillConnectedPastTheConsentTimeoutAsync(peers);
    }

    [Fact]
    public async Task ARestartThePeerNeverAnswers_TimesOut_AndTheConnectionCarriesOnWithTheOldCredentials()
    {
        await using var peers = await FakePeers.ConnectAsync();
        peers.WireSignaling();
        peers.SignalingDown = true;
        var path = peers.Alice.Path;

        var restart = peers.Alice.RestartAsync();
        await peers.RunUntilAsync(() => restart.IsCompleted, TimeSpan.FromSeconds(35), FakePeers.CoarseStep);

        await Assert.ThrowsAsync<TimeoutException>(() => restart);
        Assert.Equal(ConnectionState.Connected, peers.Alice.State);
        Assert.Equal(ConnectionState.Connected, peers.Bob.State);
        Assert.Equal(path, peers.Alice.Path);
        await peers.AssertDeliveredAsync(peers.Bob, peers.Alice, "still here");
    }

    [Fact]
    public async Task ChecksSignedWithTheCredentialsBeforeARestart_AreStillAnswered_AndOthersAreNot()
    {
        await using var peers = await FakePeers.ConnectAsync();
        peers.WireSignaling();
        peers.SignalingDown = true; // the restart stays unanswered: Alice has new credentials, Bob knows only the old
        var before = peers.Alice.Describe(SessionDescription.Offer, []);
        var restart = peers.Alice.RestartAsync();
        await peers.RunForAsync(TimeSpan.FromMilliseconds(200));
        Assert.NotEqual(before.Ufrag, peers.Alice.LocalUfrag);

        var answers = new List<byte[]>();
        var prober = peers.Network.Base(CandidateKind.Host, "198.51.100.99:9");
        prober.Start((_, _, packet) => answers.Add(packet.ToArray()));
        await prober.SendAsync(peers.AliceHost.LocalEndPoint, CheckMessages.Request(TransactionId.NewRandom(), before.Ufrag, "prober", "not-the-password-at-all", nominate: false), CancellationToken.None);
        await prober.SendAsync(peers.AliceHost.LocalEndPoint, CheckMessages.Request(TransactionId.NewRandom(), before.Ufrag, "prober", before.Password, nominate: false), CancellationToken.None);
        await peers.RunUntilAsync(() => answers.Count > 0, TimeSpan.FromSeconds(1));
        await peers.RunForAsync(TimeSpan.FromMilliseconds(200));

        Assert.True(CheckMessages.IsValidResponse(Assert.Single(answers), before.Password));
        await peers.RunUntilAsync(() => restart.IsCompleted, TimeSpan.FromSeconds(35), FakePeers.CoarseStep);
        await Assert.ThrowsAsync<TimeoutException>(() => restart);
    }

    [Fact]
    public async Task AnAnswerToAnEarlierRestart_IsNotTakenForTheAnswerToThisOne()
    {
        await using var peers = await FakePeers.ConnectAsync();
        peers.WireSignaling();
        var deliver = peers.Alice.SendUpdate!;
        var sent = new List<SessionDescription>();
        peers.Alice.SendUpdate = (description, cancellationToken) =>
        {
            int copies;
            lock (sent)
            {
                sent.Add(description);
                copies = sent.Count;
            }

            return copies > 1 ? deliver(description, cancellationToken) : Task.CompletedTask; // the first copy is lost
        };
        var stale = peers.Bob.Describe(SessionDescription.RestartAnswer, []) with { Answers = "an-earlier-ufrag" };
        var bobUfrag = peers.Bob.LocalUfrag;

        var restart = peers.Alice.RestartAsync();
        var joined = peers.Alice.RestartAsync(); // while one is unanswered, a second waits for it
        await peers.RunForAsync(TimeSpan.FromMilliseconds(100));
        peers.Alice.OnRestart(stale);
        await peers.RunUntilAsync(() => restart.IsCompleted && joined.IsCompleted, TimeSpan.FromSeconds(5));

        await Task.WhenAll(restart, joined);
        Assert.NotEqual(bobUfrag, peers.Bob.LocalUfrag); // Bob got the restart and answered it: the stale answer ended nothing
        Assert.Equal(peers.Alice.LocalUfrag, Assert.Single(sent.Select(d => d.Ufrag).Distinct())); // one restart, with one set of credentials
        await AssertBothStillConnectedPastTheConsentTimeoutAsync(peers);
    }

    [Fact]
    public async Task BothSidesRestartingAtOnce_Converge_AndBothRestartsComplete()
    {
        await using var peers = await FakePeers.ConnectAsync();
        peers.WireSignaling();
        peers.Alice.Regather = _ => Task.FromResult<IReadOnlyList<Candidate>>([Candidate.Of(CandidateKind.Host, peers.AliceHost.LocalEndPoint)]);
        peers.Bob.Regather = _ => Task.FromResult<IReadOnlyList<Candidate>>([Candidate.Of(CandidateKind.Host, peers.BobHost.LocalEndPoint)]);

        var alice = peers.Alice.RestartAsync();
        var bob = peers.Bob.RestartAsync();
        await peers.RunUntilAsync(() => alice.IsCompleted && bob.IsCompleted, TimeSpan.FromSeconds(10));
        await Task.WhenAll(alice, bob);

        await AssertBothStillConnectedPastTheConsentTimeoutAsync(peers);
        Assert.Equal(PathKind.Direct, peers.Alice.Path!.Kind);
        Assert.Equal(PathKind.Direct, peers.Bob.Path!.Kind);
        await peers.AssertDeliveredAsync(peers.Alice, peers.Bob, "after both restarts");
    }

    /// <summary>Past the consent timeout both sides are still connected: their checks carry credentials the other accepts.</summary>
    private static async Task AssertBothStillConnectedPastTheConsentTimeoutAsync(FakePeers peers)
    {
        await peers.RunForAsync(TimeSpan.FromSeconds(40), FakePeers.CoarseStep);
        Assert.Equal(ConnectionState.Connected, peers.Alice.State);
        Assert.Equal(ConnectionState.Connected, peers.Bob.State);
    }
}
