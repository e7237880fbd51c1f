using System.Net;
using System.Net.Sockets;
using System.Text;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Checks;
using TurnServer.Coordinator.Connections;
using TurnServer.Coordinator.Strategies;
using TurnServer.Host.Tests.Integration;
using TurnServer.Signaling.Tokens;

namespace TurnServer.Host.Tests.Coordinator;

/// <summary>Two coordinators on one machine, finding each other through our server's signaling and connecting.</summary>
[Collection(SequentialCollection.Name)]
public sealed class CoordinatorTests : IAsyncLifetime
{
    private const string SignalingSecret = "coordinator-secret";
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync($"--signaling-secret={SignalingSecret}", "--signaling-address=127.0.0.1", "--signaling-port=0", "--allow-loopback-peers");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private CoordinatorOptions OptionsFor(string peer) => new()
    {
        SignalingUri = new Uri($"ws://{_server.SignalingEndPoint}/signaling"),
        SignalingToken = PeerToken.Issue(Encoding.UTF8.GetBytes(SignalingSecret), peer, DateTimeOffset.UtcNow.AddMinutes(10)),
        StunServers = [_server.EndPoint],
        TurnServers = [[new TurnServerEntry(_server.EndPoint, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) { TcpServer = _server.TcpEndPoint }]],
        IncludeLoopback = true,
        Metadata = new { name = peer },
    };

    private static async Task<(PeerCoordinator Alice, PeerCoordinator Bob)> StartPairAsync(CoordinatorOptions alice, CoordinatorOptions bob)
    {
        var a = new PeerCoordinator(alice);
        var b = new PeerCoordinator(bob);
        await a.InitializeAsync();
        await b.InitializeAsync();
        return (a, b);
    }

    private static async Task<(PeerConnection Offered, PeerConnection Accepted)> ConnectAsync(PeerCoordinator from, PeerCoordinator to)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var offered = await from.ConnectAsync(to.PeerId, deadline.Token);
        var accepted = await to.AcceptAsync(deadline.Token);
        return (offered, accepted);
    }

    /// <summary>Messages both ways, each of which must arrive (loopback loses nothing at this rate).</summary>
    private static async Task ExchangeAsync(PeerConnection one, PeerConnection other, int messages = 20)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < messages; i++)
        {
            await one.SendAsync(Encoding.UTF8.GetBytes($"ping {i}"), deadline.Token);
            Assert.Equal($"ping {i}", Encoding.UTF8.GetString(await other.ReceiveAsync(deadline.Token)));
            await other.SendAsync(Encoding.UTF8.GetBytes($"pong {i}"), deadline.Token);
            Assert.Equal($"pong {i}", Encoding.UTF8.GetString(await one.ReceiveAsync(deadline.Token)));
        }
    }

    [Fact]
    public async Task PeersOnOneHost_ConnectDirectly_AndExchangeDatagrams()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            var (offered, accepted) = await ConnectAsync(alice, bob);
            Assert.Equal(PathKind.Direct, offered.Path!.Kind);
            Assert.Equal(PathKind.Direct, accepted.Path!.Kind);
            Assert.Equal(offered.Path.Local.Port, accepted.Path.Remote.Port);
            await ExchangeAsync(offered, accepted);

            Assert.Equal(1, alice.Statistics.Successes);
            Assert.Equal(1.0, alice.Statistics.SuccessRate);
            Assert.Equal(0, bob.Statistics.Successes); // bob made no attempt: an accepted connection is counted apart
            Assert.Equal(1, bob.Statistics.Accepted);
            Assert.True(alice.CheckHealth() is { Healthy: true, SignalingConnected: true, RelayReachable: true, OpenConnections: 1 });
            Assert.NotNull(alice.Nat);

            // Both keep their relay warm under the direct path (the fallback), and the connection carries on.
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.Equal(2, _server.Engine.Allocations.Count);
            await ExchangeAsync(offered, accepted, messages: 3);
        }
    }

    [Fact]
    public async Task WithoutAWarmRelay_ADirectPathGivesTheRelayBack()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice") with { KeepRelayWarm = false }, OptionsFor("bob") with { KeepRelayWarm = false });
        await using (alice)
        await using (bob)
        {
            var (offered, accepted) = await ConnectAsync(alice, bob);
            Assert.Equal(PathKind.Direct, offered.Path!.Kind);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (_server.Engine.Allocations.Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.Equal(0, _server.Engine.Allocations.Count);
            await ExchangeAsync(offered, accepted, messages: 3);
        }
    }

    [Fact]
    public async Task ClosedConnections_LeaveTheCoordinators_AndThePeerSeesTheClose()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            for (var round = 0; round < 3; round++)
            {
                var (offered, accepted) = await ConnectAsync(alice, bob);
                await using (offered)
                await using (accepted)
                {
                    await ExchangeAsync(offered, accepted, messages: 2);
                    await offered.CloseAsync();
                    Assert.Equal(ConnectionState.Closed, await accepted.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
                }
            }

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((alice.CheckHealth().OpenConnections > 0 || bob.CheckHealth().OpenConnections > 0 || _server.Engine.Allocations.Count > 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(0, alice.CheckHealth().OpenConnections);
            Assert.Equal(0, bob.CheckHealth().OpenConnections);
            Assert.Equal(0, _server.Engine.Allocations.Count); // every relay released with its connection
        }
    }

    [Fact]
    public async Task HandlersThatThrow_CostNothing_ButTheirLogLine()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            alice.Connected += (_, _) => throw new InvalidOperationException("the application's bug");
            bob.Connected += (_, _) => throw new InvalidOperationException("the application's bug");
            bob.PeerRegistered += (_, _) => throw new InvalidOperationException("the application's bug");
            await alice.JoinRoomAsync("room");
            await bob.JoinRoomAsync("room");
            for (var round = 0; round < 2; round++)
            {
                var (offered, accepted) = await ConnectAsync(alice, bob);
                await ExchangeAsync(offered, accepted, messages: 3);
            }

            Assert.True(bob.CheckHealth().SignalingConnected);
        }
    }

    [Fact]
    public async Task AMalformedOffer_IsIgnored_WithoutGatheringOrLeaking()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            var token = PeerToken.Issue(Encoding.UTF8.GetBytes(SignalingSecret), "mallory", DateTimeOffset.UtcNow.AddMinutes(10));
            await using var mallory = await TurnServer.Coordinator.Signaling.SignalingClient.ConnectAsync(new Uri($"ws://{_server.SignalingEndPoint}/signaling"), token);
            await mallory.RegisterAsync(null);
            var offer = System.Text.Json.JsonDocument.Parse("""{"kind":"offer","session":"s-1","ufrag":"abcdefgh","password":"0123456789abcdefghijkl","candidates":[null]}""").RootElement;
            for (var i = 0; i < 5; i++)
            {
                await mallory.SignalAsync("bob", offer);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(0, _server.Engine.Allocations.Count); // before the fix each offer gathered a relay and never released it
            Assert.Equal(0, bob.CheckHealth().OpenConnections);
            var (offered, accepted) = await ConnectAsync(alice, bob); // and bob still answers genuine offers
            await ExchangeAsync(offered, accepted, messages: 2);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RelayOnly_ConnectsThroughOurTurnServer(bool tcp)
    {
        CoordinatorOptions RelayOnly(string peer) => OptionsFor(peer) with
        {
            Strategies = [ConnectionStrategy.TurnRelay],
            TurnServers = [[new TurnServerEntry(_server.EndPoint, new TurnCredentials(ServerFixture.User, ServerFixture.Password))
            {
                TcpServer = _server.TcpEndPoint,
                Transports = tcp ? [ClientTransport.Tcp] : [ClientTransport.Udp],
            }]],
        };

        var (alice, bob) = await StartPairAsync(RelayOnly("alice"), RelayOnly("bob"));
        await using (alice)
        await using (bob)
        {
            var relayedBefore = _server.Engine.Allocations.Count;
            var (offered, accepted) = await ConnectAsync(alice, bob);
            Assert.Equal(PathKind.Relayed, offered.Path!.Kind);
            Assert.Equal(PathKind.Relayed, accepted.Path!.Kind);
            Assert.Equal(ConnectionStrategy.TurnRelay, offered.Path.Strategy);
            Assert.True(_server.Engine.Allocations.Count >= relayedBefore + 2);
            Assert.Contains(tcp ? ClientTransport.Tcp : ClientTransport.Udp, new[] { offered.Path.Transport, accepted.Path.Transport });
            await ExchangeAsync(offered, accepted);
            Assert.Equal(1, alice.Statistics.ByStrategy[ConnectionStrategy.TurnRelay].Connections);
        }
    }

    [Fact]
    public async Task IceServersByHostName_AreResolved_AndUsedForDiscoveryAndTheRelay()
    {
        var port = _server.EndPoint.Port;
        CoordinatorOptions ByName(string peer) => OptionsFor(peer) with
        {
            StunServers = [],
            TurnServers = [],
            Strategies = [ConnectionStrategy.TurnRelay],
            IceServers = [new TurnServer.Coordinator.Servers.IceServer([$"stun:localhost:{port}", $"turn:localhost:{_server.TcpEndPoint.Port}?transport=tcp"], ServerFixture.User, ServerFixture.Password)],
        };

        var (alice, bob) = await StartPairAsync(ByName("alice"), ByName("bob"));
        await using (alice)
        await using (bob)
        {
            Assert.NotNull(alice.Nat); // discovery ran against the STUN server found by its name
            var (offered, accepted) = await ConnectAsync(alice, bob);
            Assert.Equal(PathKind.Relayed, offered.Path!.Kind);
            Assert.Contains(ClientTransport.Tcp, new[] { offered.Path.Transport, accepted.Path!.Transport }); // the relay found by its name, over TCP as its URL says
            await ExchangeAsync(offered, accepted);
        }
    }

    [Fact]
    public async Task TcpHolePunchingAlone_ConnectsOverTcp()
    {
        CoordinatorOptions TcpOnly(string peer) => OptionsFor(peer) with { Strategies = [ConnectionStrategy.TcpHolePunching] };
        var (alice, bob) = await StartPairAsync(TcpOnly("alice"), TcpOnly("bob"));
        await using (alice)
        await using (bob)
        {
            var (offered, accepted) = await ConnectAsync(alice, bob);
            Assert.True(offered.Path is { Kind: PathKind.Direct, Strategy: ConnectionStrategy.TcpHolePunching, Transport: ClientTransport.Tcp }, offered.Path!.ToString());
            Assert.Equal(ClientTransport.Tcp, accepted.Path!.Transport);
            await ExchangeAsync(offered, accepted);
        }
    }

    [Fact]
    public async Task Stranger_WithoutTheSessionPassword_CannotInjectData_OrPassAChecks()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            var (offered, accepted) = await ConnectAsync(alice, bob);
            using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var target = new IPEndPoint(IPAddress.Loopback, offered.Path!.Local.Port);
            await stranger.SendToAsync(new byte[] { 0xD0, (byte)'x' }, target);

            var forged = CheckMessages.Request(Protocol.Stun.TransactionId.NewRandom(), "guess", "mallory", "not-the-password-at-all", nominate: true);
            await stranger.SendToAsync(forged, target);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stranger.ReceiveAsync(new byte[512], wait.Token));

            await accepted.SendAsync("genuine"u8.ToArray());
            Assert.Equal("genuine", Encoding.UTF8.GetString(await offered.ReceiveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token)));
            Assert.Equal(accepted.Path!.Local.Port, offered.Path.Remote.Port);
        }
    }

    [Fact]
    public async Task UnknownPeer_FailsAtOnce_WithoutRetries_AndIsCounted()
    {
        var options = OptionsFor("alice") with { ConnectionTimeout = TimeSpan.FromSeconds(10), MaxRetries = 2 };
        await using var alice = new PeerCoordinator(options);
        await alice.InitializeAsync();
        var failures = new List<ConnectionFailedEventArgs>();
        alice.ConnectionFailed += (_, failure) => failures.Add(failure);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TurnServer.Coordinator.Signaling.SignalingException>(() => alice.ConnectAsync("nobody"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(TurnServer.Signaling.Messages.ErrorCode.UnknownPeer, error.Code);
        await Task.Delay(200); // events are raised off the caller's thread
        Assert.Equal([false], failures.Select(f => f.WillRetry));
        Assert.Equal(1, alice.Statistics.Attempts);
        Assert.Equal(1, alice.Statistics.Failures);
    }

    [Fact]
    public async Task ASilentFirstStunServer_IsPassedOver_NotTakenForBlockedUdp()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = OptionsFor("alice") with { StunServers = [(IPEndPoint)silent.LocalEndPoint!, _server.EndPoint] };
        await using var alice = new PeerCoordinator(options);
        await alice.InitializeAsync();
        Assert.NotNull(alice.Nat);
        Assert.NotEqual(TurnServer.Client.Discovery.NatType.UdpBlocked, alice.Nat.Type);
    }

    [Fact]
    public async Task PeerNotAccepted_GetsNoAnswer_AndTimesOut()
    {
        var aliceOptions = OptionsFor("alice") with { ConnectionTimeout = TimeSpan.FromMilliseconds(1500), MaxRetries = 0 };
        var (alice, bob) = await StartPairAsync(aliceOptions, OptionsFor("bob") with { AcceptFrom = peer => peer == "carol" });
        await using (alice)
        await using (bob)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => alice.ConnectAsync("bob"));
            Assert.Equal(0, bob.Statistics.Successes);
            Assert.Equal(0, bob.CheckHealth().OpenConnections);
        }
    }

    [Fact]
    public async Task Rooms_TellWhoJoins_AndDiscoveryListsTheOthers()
    {
        var (alice, bob) = await StartPairAsync(OptionsFor("alice"), OptionsFor("bob"));
        await using (alice)
        await using (bob)
        {
            var joined = new TaskCompletionSource<string>();
            alice.PeerRegistered += (_, peer) => joined.TrySetResult(peer.Peer);
            Assert.Empty(await alice.JoinRoomAsync("game"));
            Assert.Equal("alice", Assert.Single(await bob.JoinRoomAsync("game")).Peer);
            Assert.Equal("bob", await joined.Task.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Contains("alice", (await bob.DiscoverPeersAsync()).Select(p => p.Peer));
        }
    }
}
