using System.Net;
using Microsoft.Extensions.Time.Testing;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Connections;

namespace TurnServer.Coordinator.Tests;

/// <summary>
/// Alice (controlling) and Bob, each with a host socket on 198.51.100.0/24 and a relay on
/// 203.0.113.1, on the in-memory network and a fake clock that moves only in <see cref="RunUntilAsync"/>.
/// <see cref="DirectCut"/> drops what goes between the two hosts; <see cref="AllCut"/> drops everything.
/// </summary>
internal sealed class FakePeers : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    private FakePeers(CoordinatorOptions options, CoordinatorMetrics? aliceMetrics)
    {
        Network = new FakeNetwork(Time);
        AliceHost = Network.Base(CandidateKind.Host, "198.51.100.1:1000");
        AliceRelay = Network.Base(CandidateKind.Relayed, "203.0.113.1:5000");
        BobHost = Network.Base(CandidateKind.Host, "198.51.100.2:2000");
        BobRelay = Network.Base(CandidateKind.Relayed, "203.0.113.1:5001");
        Network.Drops = (from, to) => AllCut || (DirectCut && IsHost(from) && IsHost(to));
        options = options with { Time = Time };
        Alice = new PeerConnection("bob", "s1", controlling: true, options, [AliceHost, AliceRelay], localNat: null, aliceMetrics);
        Bob = new PeerConnection("alice", "s1", controlling: false, options, [BobHost, BobRelay], localNat: null);
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeNetwork Network { get; }

    public FakeNetwork.FakeBase AliceHost { get; }

    public FakeNetwork.FakeBase AliceRelay { get; }

    public FakeNetwork.FakeBase BobHost { get; }

    public FakeNetwork.FakeBase BobRelay { get; }

    public PeerConnection Alice { get; }

    public PeerConnection Bob { get; }

    public bool DirectCut { get; set; }

    public bool AllCut { get; set; }

    public static CoordinatorOptions DefaultOptions { get; } = new()
    {
        SignalingUri = new Uri("ws://127.0.0.1/unused"),
        SignalingToken = "0:test:unused",
        DirectTimeout = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>Both sides exchange descriptions and check until each has a path.</summary>
    public static async Task<FakePeers> ConnectAsync(CoordinatorOptions? options = null, CoordinatorMetrics? aliceMetrics = null, Action<FakePeers>? beforeConnecting = null)
    {
        var peers = new FakePeers(options ?? DefaultOptions, aliceMetrics);
        beforeConnecting?.Invoke(peers);
        var offer = peers.Alice.Describe(SessionDescription.Offer, [Candidate.Of(CandidateKind.Host, peers.AliceHost.LocalEndPoint), Candidate.Of(CandidateKind.Relayed, peers.AliceRelay.LocalEndPoint)]);
        var answer = peers.Bob.Describe(SessionDescription.Answer, [Candidate.Of(CandidateKind.Host, peers.BobHost.LocalEndPoint), Candidate.Of(CandidateKind.Relayed, peers.BobRelay.LocalEndPoint)]);
        var bobConnected = peers.Bob.ConnectAsync(offer, CancellationToken.None);
        var aliceConnected = peers.Alice.ConnectAsync(answer, CancellationToken.None);
        await peers.RunUntilAsync(() => bobConnected.IsCompleted && aliceConnected.IsCompleted, TimeSpan.FromSeconds(15));
        await Task.WhenAll(aliceConnected, bobConnected);
        return peers;
    }

    /// <summary>Moves the clock in small steps, letting the connections work between them, until the condition holds; the simulated time it took.</summary>
    public async Task<TimeSpan> RunUntilAsync(Func<bool> condition, TimeSpan limit, TimeSpan? step = null)
    {
        var start = Time.GetUtcNow();
        while (!condition())
        {
            var elapsed = Time.GetUtcNow() - start;
            if (elapsed > limit)
            {
                throw new TimeoutException($"not within {limit.TotalSeconds} s of simulated time");
            }

            Time.Advance(step ?? Step);
            await Task.Delay(1);
        }

        return Time.GetUtcNow() - start;
    }

    /// <summary>Lets simulated time pass with nothing to wait for, in coarser steps for long spans.</summary>
    public async Task RunForAsync(TimeSpan span, TimeSpan? step = null)
    {
        var end = Time.GetUtcNow() + span;
        await RunUntilAsync(() => Time.GetUtcNow() >= end, span + (step ?? Step), step);
    }

    /// <summary>Steps for spans of tens of seconds: still well under a check's 100 ms retransmission.</summary>
    public static TimeSpan CoarseStep { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A datagram from one side, which the other must receive within 2 s of simulated time.</summary>
    public async Task AssertDeliveredAsync(PeerConnection from, PeerConnection to, string text)
    {
        await from.SendAsync(System.Text.Encoding.UTF8.GetBytes(text));
        var receiving = to.ReceiveAsync().AsTask();
        await RunUntilAsync(() => receiving.IsCompleted, TimeSpan.FromSeconds(2));
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(await receiving));
    }

    /// <summary>Descriptions sent during the connection (updates, restarts) go straight to the other side, unless <see cref="SignalingDown"/>.</summary>
    public void WireSignaling()
    {
        Alice.SendUpdate = (description, _) => Deliver(Bob, description);
        Bob.SendUpdate = (description, _) => Deliver(Alice, description);
    }

    public bool SignalingDown { get; set; }

    private Task Deliver(PeerConnection to, SessionDescription description)
    {
        if (SignalingDown)
        {
            return Task.CompletedTask;
        }

        if (description.Kind == SessionDescription.Update)
        {
            to.OnUpdate(description);
        }
        else
        {
            to.OnRestart(description);
        }

        return Task.CompletedTask;
    }

    private static bool IsHost(IPEndPoint endPoint) => endPoint.Address.ToString().StartsWith("198.51.100.", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
    }
}
