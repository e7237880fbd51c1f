using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;

namespace TurnServer.Coordinator.Tests;

/// <summary>
/// A connection after it is made, on the in-memory network with a fake clock: a dead direct path
/// fails over to the warm relay on both sides and comes back when it answers again, a connection
/// with nothing left fails after the consent timeout, and a close reaches the peer at once.
/// </summary>
public sealed class LivenessTests
{
    [Fact]
    public async Task DirectPathCut_FailsOverToTheRelayOnBothSides_AndComesBackWhenItAnswers()
    {
        using var metrics = new CoordinatorMetrics();
        var failovers = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "p2p.failovers")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failovers, value));
        listener.Start();

        await using var peers = await FakePeers.ConnectAsync(aliceMetrics: metrics);
        Assert.Equal(PathKind.Direct, peers.Alice.Path!.Kind);
        Assert.Equal(PathKind.Direct, peers.Bob.Path!.Kind);
        var aliceChanges = new List<PathChangedEventArgs>();
        peers.Alice.PathChanged += (_, change) =>
        {
            lock (aliceChanges)
            {
                aliceChanges.Add(change);
            }

            throw new InvalidOperationException("an application's handler that throws");
        };
        peers.Bob.StateChanged += (_, _) => throw new InvalidOperationException("and another");
        await peers.RunForAsync(TimeSpan.FromSeconds(3)); // the relay's pairs are checked under the direct path: the warm fallback

        peers.DirectCut = true;
        var failover = await peers.RunUntilAsync(() => peers.Alice.Path!.Kind == PathKind.Relayed && peers.Bob.Path!.Kind == PathKind.Relayed, TimeSpan.FromSeconds(10));
        Assert.True(failover <= TimeSpan.FromSeconds(2), $"failed over after {failover.TotalMilliseconds} ms");
        Assert.Equal(ConnectionState.Connected, peers.Alice.State);
        await peers.AssertDeliveredAsync(peers.Bob, peers.Alice, "over the relay");
        await peers.AssertDeliveredAsync(peers.Alice, peers.Bob, "and back");

        peers.DirectCut = false;
        var back = await peers.RunUntilAsync(() => peers.Alice.Path!.Kind == PathKind.Direct && peers.Bob.Path!.Kind == PathKind.Direct, TimeSpan.FromSeconds(30));
        Assert.True(back <= TimeSpan.FromSeconds(10), $"back to direct after {back.TotalMilliseconds} ms");
        await peers.AssertDeliveredAsync(peers.Bob, peers.Alice, "direct again");
        lock (aliceChanges)
        {
            Assert.Equal([(PathKind.Direct, PathKind.Relayed), (PathKind.Relayed, PathKind.Direct)], aliceChanges.Select(c => (c.Previous.Kind, c.Current.Kind)));
        }

        listener.RecordObservableInstruments();
        Assert.Equal(1, Interlocked.Read(ref failovers));
    }

    [Fact]
    public async Task EveryPathCut_Disconnects_ThenFailsAfterTheConsentTimeout_AndSendingThrows()
    {
        await using var peers = await FakePeers.ConnectAsync();
        var states = new List<ConnectionState>();
        peers.Alice.StateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.Current);
            }
        };

        peers.AllCut = true;
        await peers.RunUntilAsync(() => peers.Alice.State == ConnectionState.Disconnected, TimeSpan.FromSeconds(5));
        await peers.Alice.SendAsync("still allowed: it may come back"u8.ToArray());
        var failed = await peers.RunUntilAsync(() => peers.Alice.Completion.IsCompleted && peers.Bob.Completion.IsCompleted, TimeSpan.FromSeconds(40), FakePeers.CoarseStep);
        Assert.InRange(failed, TimeSpan.FromSeconds(27), TimeSpan.FromSeconds(32));
        Assert.Equal(ConnectionState.Failed, await peers.Alice.Completion);
        Assert.Equal(ConnectionState.Failed, await peers.Bob.Completion);
        await Assert.ThrowsAsync<PeerConnectionClosedException>(async () => await peers.Alice.SendAsync("gone"u8.ToArray()));
        await Assert.ThrowsAsync<PeerConnectionClosedException>(async () => await peers.Alice.ReceiveAsync());
        await peers.RunUntilAsync(() => { lock (states) { return states.Contains(ConnectionState.Failed); } }, TimeSpan.FromSeconds(1));
        lock (states)
        {
            Assert.Equal([ConnectionState.Disconnected, ConnectionState.Failed], states);
        }
    }

    [Fact]
    public async Task ABriefOutage_WithNoOtherPath_DisconnectsAndRecovers_OnTheSamePath()
    {
        await using var peers = await FakePeers.ConnectAsync();
        var path = peers.Alice.Path;
        peers.AllCut = true;
        await peers.RunUntilAsync(() => peers.Alice.State == ConnectionState.Disconnected && peers.Bob.State == ConnectionState.Disconnected, TimeSpan.FromSeconds(5));
        peers.AllCut = false;
        await peers.RunUntilAsync(() => peers.Alice.State == ConnectionState.Connected && peers.Bob.State == ConnectionState.Connected, TimeSpan.FromSeconds(10));
        await peers.AssertDeliveredAsync(peers.Bob, peers.Alice, "still here");
        await peers.RunUntilAsync(() => peers.Alice.Path == path && peers.Bob.Path!.Kind == PathKind.Direct, TimeSpan.FromSeconds(10)); // via the relay meanwhile, perhaps
    }

    [Fact]
    public async Task AnIdleMinute_LeavesTheConnectionConnected_OnItsPath()
    {
        await using var peers = await FakePeers.ConnectAsync();
        var path = peers.Alice.Path;
        var changes = 0;
        peers.Alice.PathChanged += (_, _) => Interlocked.Increment(ref changes);
        peers.Bob.PathChanged += (_, _) => Interlocked.Increment(ref changes);
        await peers.RunForAsync(TimeSpan.FromMinutes(1), FakePeers.CoarseStep);
        Assert.Equal(ConnectionState.Connected, peers.Alice.State);
        Assert.Equal(ConnectionState.Connected, peers.Bob.State);
        Assert.Equal(path, peers.Alice.Path);
        Assert.Equal(0, Volatile.Read(ref changes));
        await peers.AssertDeliveredAsync(peers.Alice, peers.Bob, "after a quiet minute");
    }

    [Fact]
    public async Task Closing_TellsThePeer_WhichEndsAtOnce_AndDisposingAgainIsHarmless()
    {
        var peers = await FakePeers.ConnectAsync();
        await peers.Alice.CloseAsync();
        await peers.RunUntilAsync(() => peers.Bob.Completion.IsCompleted, TimeSpan.FromSeconds(1));
        Assert.Equal(ConnectionState.Closed, await peers.Bob.Completion);
        Assert.Equal(ConnectionState.Closed, peers.Alice.State);
        await Assert.ThrowsAsync<PeerConnectionClosedException>(async () => await peers.Bob.SendAsync("x"u8.ToArray()));

        // docs/coordinator.md's nested `await using` disposes a connection twice: the second is a no-op.
        await peers.Alice.DisposeAsync();
        await peers.DisposeAsync();
        await peers.DisposeAsync();
    }

    [Fact]
    public async Task AnAnswerFromAnotherAddress_DoesNotValidateThePair()
    {
        // Bob's host answers reach Alice as if from his relay: a check's answer that does not come
        // back from where the check went proves nothing about that pair (RFC 8445 section 7.2.5.2.1).
        await using var peers = await FakePeers.ConnectAsync(beforeConnecting: p =>
            p.Network.SourceSeen = (from, to) => from.Equals(p.BobHost.LocalEndPoint) && to.Equals(p.AliceHost.LocalEndPoint) ? p.BobRelay.LocalEndPoint : from);
        Assert.Equal(PathKind.Relayed, peers.Alice.Path!.Kind); // the host-to-host pair, the only direct one, never validated
    }

    [Fact]
    public async Task ADirectPairThatWorksWhileARelayNominationIsInFlight_IsTakenAfterwards()
    {
        var options = FakePeers.DefaultOptions with { Mode = TurnServer.Coordinator.Strategies.ConnectionMode.Race, RaceGrace = TimeSpan.Zero };
        await using var peers = await FakePeers.ConnectAsync(options, beforeConnecting: p =>
            p.Network.Latency = (from, to) => !IsRelay(from) && !IsRelay(to) ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMilliseconds(150));
        await peers.RunUntilAsync(() => peers.Alice.Path!.Kind == PathKind.Direct && peers.Bob.Path!.Kind == PathKind.Direct, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task PortPredictionSockets_AreClosed_WhenPredictionEndsWithoutADirectPath()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = FakePeers.DefaultOptions with { Time = time, PortPredictionWindow = TimeSpan.FromSeconds(1), IncludeLoopback = true };
        var network = new FakeNetwork(time);
        await using var connection = new PeerConnection("easy", "s2", controlling: true, options, [network.Base(CandidateKind.Host, "198.51.100.1:1000")], TurnServer.Client.Discovery.NatType.Symmetric);
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var remote = new SessionDescription(SessionDescription.Answer, "s2", "ufrag", "a-password-of-some-length", [Candidate.Of(CandidateKind.ServerReflexive, (IPEndPoint)silent.LocalEndPoint!)]) { Nat = "PortRestrictedCone" };
        _ = connection.ConnectAsync(remote, CancellationToken.None);
        var opening = System.Diagnostics.Stopwatch.StartNew();
        while (connection.OpenSpraySockets < 256 && opening.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(5);
        }

        Assert.Equal(256, connection.OpenSpraySockets);
        for (var step = 0; step < 300 && connection.OpenSpraySockets > 0; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(2);
        }

        Assert.Equal(0, connection.OpenSpraySockets);
    }

    private static bool IsRelay(IPEndPoint endPoint) => endPoint.Address.ToString() == "203.0.113.1";
}
