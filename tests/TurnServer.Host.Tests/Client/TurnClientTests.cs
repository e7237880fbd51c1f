using System.Net;
using Microsoft.Extensions.Time.Testing;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Integration;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Client;

/// <summary>Our TURN client against our server: UDP, TCP and TLS, long-term and REST credentials, refresh and release.</summary>
[Collection(SequentialCollection.Name)]
public sealed class TurnClientTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificate _certificate = new();
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync($"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _certificate.Dispose();

    [Theory]
    [InlineData(ClientTransport.Udp)]
    [InlineData(ClientTransport.Tcp)]
    [InlineData(ClientTransport.Tls)]
    public async Task RelaysToAnEchoPeer_BothWays_ThenReleases(ClientTransport transport)
    {
        await using var peer = new UdpEchoPeer();
        var client = await TurnClient.AllocateAsync(Options(transport, new TurnCredentials(ServerFixture.User, ServerFixture.Password)));
        await using (client)
        {
            Assert.Equal(1, _server.Engine.Allocations.Count);
            Assert.Equal(IPAddress.Loopback, client.RelayedEndPoint.Address);
            await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 50);
            Assert.Single(_server.Engine.Allocations.All.Single().Channels);
        }

        Assert.Equal(0, _server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task RestCredentials_MadeFromTheSharedSecret_Allocate()
    {
        await using var client = await TurnClient.AllocateAsync(Options(ClientTransport.Udp, TurnCredentials.FromSharedSecret(ServerFixture.Secret, "carol", TimeSpan.FromHours(1))));

        Assert.EndsWith(":carol", _server.Engine.Allocations.All.Single().Username, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPassword_IsATurnExceptionWith401()
    {
        var refused = await Assert.ThrowsAsync<TurnException>(() => TurnClient.AllocateAsync(Options(ClientTransport.Udp, new TurnCredentials(ServerFixture.User, "wrong"))));

        Assert.Equal(401, refused.ErrorCode);
        Assert.Equal(0, _server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task Allocation_IsRefreshedBeforeItExpires()
    {
        // A margin just under the granted lifetime makes the first refresh due at once.
        var options = Options(ClientTransport.Udp, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) with { RefreshMargin = TimeSpan.FromSeconds(598) };
        await using var client = await TurnClient.AllocateAsync(options);
        var first = client.ExpiresAt;
        var serverFirst = _server.Engine.Allocations.All.Single().ExpiresAt;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        // The server moves its expiry before the client reads the answer: wait for both.
        while ((_server.Engine.Allocations.All.Single().ExpiresAt == serverFirst || client.ExpiresAt == first) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(_server.Engine.Allocations.All.Single().ExpiresAt > serverFirst, "the server saw no Refresh");
        Assert.True(client.ExpiresAt > first);
    }

    [Fact]
    public async Task StaleNonce_438_IsAnsweredWithTheNewNonce()
    {
        await using var server = await ServerFixture.StartAsync("--stale-nonce=1");
        var options = Options(ClientTransport.Udp, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) with { Server = server.EndPoint };
        await using var client = await TurnClient.AllocateAsync(options);
        await Task.Delay(TimeSpan.FromSeconds(2.2));

        await client.CreatePermissionAsync(IPAddress.Loopback);

        var requests = server.Engine.Counters.Requests.ToDictionary(r => (r.Method, r.Result), r => r.Count);
        Assert.Equal(1, requests[(StunMethod.CreatePermission, 438)]);
        Assert.Equal(1, requests[(StunMethod.CreatePermission, Relay.Metrics.EngineCounters.Success)]);
    }

    [Fact]
    public async Task PermissionsAndChannels_AreRefreshedOnlyWhileInUse()
    {
        await using var peer = new UdpEchoPeer();
        var time = new FakeTimeProvider();
        var options = Options(ClientTransport.Udp, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) with { Time = time };
        await using var client = await TurnClient.AllocateAsync(options);
        await client.BindChannelAsync(peer.EndPoint);
        await client.SendToAsync(peer.EndPoint, new byte[] { 1 });
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await client.ReceiveFromAsync(new byte[16], wait.Token);
        }

        Assert.Equal((1, 1), (Answered(StunMethod.CreatePermission), Answered(StunMethod.ChannelBind)));

        // 4.5 minutes on: the permission (5 minutes) came due at 4 and was used; the channel (10) is not due.
        await AdvanceAsync(time, TimeSpan.FromMinutes(4.5));
        await Eventually(() => Answered(StunMethod.CreatePermission) == 2);
        Assert.Equal(1, Answered(StunMethod.ChannelBind));

        // 9.5 minutes on, nothing sent since: the channel came due at 9 and was used within its lifetime,
        // so it is refreshed; the permission came due at 8 but was last used over 5 minutes before.
        await AdvanceAsync(time, TimeSpan.FromMinutes(5));
        await Eventually(() => Answered(StunMethod.ChannelBind) == 2);
        Assert.Equal(2, Answered(StunMethod.CreatePermission));
    }

    [Fact]
    public async Task AfterAnIdleSpell_TheNextSendInstallsThePermissionAndChannelAgain()
    {
        await using var peer = new UdpEchoPeer();
        var time = new FakeTimeProvider();
        var options = Options(ClientTransport.Udp, new TurnCredentials(ServerFixture.User, ServerFixture.Password)) with { Time = time };
        await using var client = await TurnClient.AllocateAsync(options);
        await client.BindChannelAsync(peer.EndPoint);

        // 25 minutes without traffic: whatever was refreshed while still counting as in use has lapsed since.
        await AdvanceAsync(time, TimeSpan.FromMinutes(25));
        var (permissions, channels) = (Answered(StunMethod.CreatePermission), Answered(StunMethod.ChannelBind));

        await client.SendToAsync(peer.EndPoint, new byte[] { 7 });
        var buffer = new byte[16];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(peer.EndPoint, (await client.ReceiveFromAsync(buffer, wait.Token)).RemoteEndPoint);
        await Eventually(() => Answered(StunMethod.CreatePermission) == permissions + 1 && Answered(StunMethod.ChannelBind) == channels + 1);
    }

    private long Answered(StunMethod method) =>
        _server.Engine.Counters.Requests.Where(r => r.Method == method && r.Result == Relay.Metrics.EngineCounters.Success).Sum(r => r.Count);

    /// <summary>Moves the clock in 30-second steps, giving the client's maintenance a moment at each.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        for (var passed = TimeSpan.Zero; passed < by; passed += TimeSpan.FromSeconds(30))
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(30);
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    private TurnClientOptions Options(ClientTransport transport, TurnCredentials credentials) =>
        new(transport switch
        {
            ClientTransport.Udp => _server.EndPoint,
            ClientTransport.Tcp => _server.TcpEndPoint,
            _ => _server.TlsEndPoint,
        }, credentials)
        {
            Transport = transport,
            Tls = new TlsClientOptions { TargetHost = "localhost", CertificateValidation = (_, certificate, _, _) => certificate is not null },
        };
}
