using System.Net;
using System.Net.WebSockets;
using System.Text;
using TurnServer.Host.Tests.Integration;
using TurnServer.Signaling.Messages;
using TurnServer.Signaling.Tokens;

namespace TurnServer.Host.Tests.Signaling;

/// <summary>The signaling WebSocket inside turnserver, spoken to with .NET's own WebSocket client.</summary>
[Collection(SequentialCollection.Name)]
public sealed class SignalingEndpointTests : IAsyncLifetime
{
    private const string SignalingSecret = "signaling-secret";
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync($"--signaling-secret={SignalingSecret}", "--signaling-address=127.0.0.1", "--signaling-port=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Address(string? token) =>
        new($"ws://{_server.SignalingEndPoint}/signaling" + (token is null ? "" : $"?token={Uri.EscapeDataString(token)}"));

    private static string TokenFor(string peer, TimeSpan? ttl = null) =>
        PeerToken.Issue(Encoding.UTF8.GetBytes(SignalingSecret), peer, DateTimeOffset.UtcNow + (ttl ?? TimeSpan.FromMinutes(5)));

    private async Task<ClientWebSocket> ConnectAsync(string peer)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(Address(TokenFor(peer)), Timeout());
        return socket;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, Timeout());

    private static async Task<SignalingMessage> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[70_000];
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), Timeout());
            length += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return SignalingMessage.Parse(buffer.AsSpan(0, length)) ?? throw new InvalidOperationException("unparsable message");
    }

    private async Task<ClientWebSocket> RegisteredAsync(string peer)
    {
        var socket = await ConnectAsync(peer);
        await SendAsync(socket, """{"type":"register","metadata":{"name":"test"}}""");
        Assert.Equal(MessageType.Registered, (await ReceiveAsync(socket)).Type);
        return socket;
    }

    [Fact]
    public async Task TwoPeers_ExchangeSignals_AndTheOtherHearsWhenOneGoes()
    {
        using var alice = await RegisteredAsync("alice");
        using var bob = await RegisteredAsync("bob");
        await SendAsync(alice, """{"type":"join","room":"call"}""");
        Assert.Equal(MessageType.Joined, (await ReceiveAsync(alice)).Type);
        await SendAsync(bob, """{"type":"join","room":"call"}""");
        Assert.Equal("alice", Assert.Single((await ReceiveAsync(bob)).Peers!).Peer);
        Assert.Equal(MessageType.PeerJoined, (await ReceiveAsync(alice)).Type);

        await SendAsync(alice, """{"type":"signal","to":"bob","data":{"offer":"x"}}""");
        var signal = await ReceiveAsync(bob);
        Assert.Equal("alice", signal.From);
        Assert.Equal("x", signal.Data!.Value.GetProperty("offer").GetString());

        await bob.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Timeout());
        var left = await ReceiveAsync(alice);
        Assert.Equal(MessageType.PeerLeft, left.Type);
        Assert.Equal("bob", left.Peer);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("forged")]
    [InlineData("expired")]
    public async Task WithoutAValidToken_TheUpgradeIsRefusedWith401(string? kind)
    {
        var token = kind switch
        {
            null => null,
            "forged" => PeerToken.Issue("wrong-secret"u8, "alice", DateTimeOffset.UtcNow.AddMinutes(5)),
            _ => TokenFor("alice", TimeSpan.FromSeconds(-1)),
        };
        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(Address(token), Timeout()));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Equal(0, _server.SignalingHub!.ConnectedPeers);
    }

    [Fact]
    public async Task BearerHeader_IsAcceptedToo()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TokenFor("carol")}");
        await socket.ConnectAsync(Address(null), Timeout());
        await AssertAnswersPingAsync(socket);
    }

    [Fact]
    public async Task MessagePastTheSizeLimit_ClosesWith1009_AndOthersCarryOn()
    {
        using var bystander = await RegisteredAsync("bystander");
        using var alice = await RegisteredAsync("alice");
        var huge = $$"""{"type":"signal","to":"bystander","data":"{{new string('x', 70_000)}}"}""";
        await SendAsync(alice, huge);
        await AssertClosedWithAsync(alice, (int)WebSocketCloseStatus.MessageTooBig);
        await AssertAnswersPingAsync(bystander);
    }

    [Fact]
    public async Task Reconnect_ReplacesTheOldConnection_WhichIsClosedWith4001()
    {
        using var first = await RegisteredAsync("alice");
        using var second = await RegisteredAsync("alice");
        await AssertClosedWithAsync(first, 4001);
        await AssertAnswersPingAsync(second);
    }

    private static async Task AssertClosedWithAsync(ClientWebSocket socket, int status)
    {
        var result = await socket.ReceiveAsync(new byte[1024], Timeout());
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(status, (int)socket.CloseStatus!.Value);
    }

    private static async Task AssertAnswersPingAsync(ClientWebSocket socket)
    {
        await SendAsync(socket, """{"type":"ping"}""");
        Assert.Equal(MessageType.Pong, (await ReceiveAsync(socket)).Type);
    }

    [Fact]
    public async Task PlainHttp_IsToldItIsAWebSocketEndpoint()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://{_server.SignalingEndPoint}/signaling"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
