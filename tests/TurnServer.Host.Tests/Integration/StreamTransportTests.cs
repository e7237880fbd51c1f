using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Transports.Streams;

namespace TurnServer.Host.Tests.Integration;

/// <summary>TURN over TCP and TLS against the running server, and what a hostile stream client meets.</summary>
[Collection(SequentialCollection.Name)]
public sealed class StreamTransportTests : IAsyncLifetime, IDisposable
{
    private static readonly StreamTransportOptions ShortDeadlines = new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        FrameTimeout = TimeSpan.FromSeconds(2),
        IdleTimeout = TimeSpan.FromSeconds(2),
        MaxConnectionsPerIP = 8,
        MaxFrameLength = 4096,
    };

    private readonly TestCertificate _certificate = new();
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private ServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync(s => s with { Streams = ShortDeadlines }, $"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _peer.ReceiveTimeout = 3000;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _peer.Dispose();
        _certificate.Dispose();
    }

    private TransportAddress PeerAddress => TransportAddress.FromIPEndPoint((IPEndPoint)_peer.LocalEndPoint!);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Relays_IndicationsAndPaddedChannelData_BothWays(bool tls)
    {
        using var client = await StreamTurnClient.ConnectAsync(tls ? _server.TlsEndPoint : _server.TcpEndPoint, tls);
        var relayed = await Allocate(client);
        Assert.Null(UdpTurnClient.ErrorCode(await client.RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.WriteChannelNumber(0x4000);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, PeerAddress);
        })));

        var toPeer = new byte[ChannelDataMessage.GetStreamLength(5)];
        ChannelDataMessage.Write(toPeer, 0x4000, [1, 2, 3, 4, 5], padForStream: true);
        await client.WriteAsync(toPeer);
        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = _peer.ReceiveFrom(buffer, ref from);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, buffer[..length]);
        Assert.Equal(relayed, TransportAddress.FromIPEndPoint((IPEndPoint)from));

        _peer.SendTo(new byte[] { 9, 8, 7 }, from);
        var back = await client.ReadFrameAsync();
        Assert.Equal(8, back.Length); // 4-byte header, 3 bytes of data, 1 byte of padding on a stream
        Assert.True(ChannelDataMessage.TryRead(back, out var channelData));
        Assert.Equal(new byte[] { 9, 8, 7 }, channelData.Data.ToArray());
    }

    [Fact]
    public async Task PartialFrameThenSilence_IsClosedAfterTheFrameTimeout_WhileOthersAreServed()
    {
        using var slow = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        await slow.WriteAsync([0x00, 0x01, 0x00, 0x08, 0x21, 0x12]); // the start of a header, then nothing

        using var other = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        await Allocate(other);

        Assert.True(await slow.IsClosedByServerWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(UdpTurnClient.ErrorCode(await other.RequestAsync(StunMethod.Refresh)));
    }

    [Fact]
    public async Task StalledTlsHandshake_IsClosed()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.TlsEndPoint);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        try
        {
            Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[16], timeout.Token));
        }
        catch (IOException)
        {
            // Closed with a reset rather than a FIN: closed all the same.
        }
    }

    [Fact]
    public async Task IdleConnectionWithoutAllocation_IsClosed_ButOneWithAnAllocationStays()
    {
        using var idle = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        using var allocated = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        await Allocate(allocated);

        Assert.True(await idle.IsClosedByServerWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(UdpTurnClient.ErrorCode(await allocated.RequestAsync(StunMethod.Refresh)));
    }

    [Fact]
    public async Task ConnectionsBeyondThePerIPLimit_AreRefused()
    {
        var clients = new List<StreamTurnClient>();
        try
        {
            for (var i = 0; i < ShortDeadlines.MaxConnectionsPerIP; i++)
            {
                clients.Add(await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false));
            }

            await Allocate(clients[0]);
            using var extra = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
            Assert.True(await extra.IsClosedByServerWithinAsync(TimeSpan.FromSeconds(1)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task ClosingTheConnection_EndsItsAllocation()
    {
        var client = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        var relayed = await Allocate(client);
        client.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_server.Engine.Allocations.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, _server.Engine.Allocations.Count);
        using var reuse = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        reuse.Bind(relayed.ToIPEndPoint());
    }

    [Fact]
    public async Task FrameLongerThanTheCap_ClosesTheConnection()
    {
        using var client = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false);
        await client.WriteAsync([0x40, 0x00, 0xFF, 0xF0]); // ChannelData announcing 65,520 bytes
        Assert.True(await client.IsClosedByServerWithinAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task CertificateReload_ServesTheNewCertificate_WithoutDroppingLiveAllocations()
    {
        using var before = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: true);
        await Allocate(before);
        Assert.Contains("CN=localhost", before.RemoteCertificate!.Subject, StringComparison.Ordinal);

        _certificate.Write("CN=renewed.example");
        Assert.True(_server.Certificates!.Reload());

        using var after = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: true);
        Assert.Contains("CN=renewed.example", after.RemoteCertificate!.Subject, StringComparison.Ordinal);
        Assert.Null(UdpTurnClient.ErrorCode(await before.RequestAsync(StunMethod.Refresh)));
        Assert.Equal(1, _server.Engine.Allocations.Count);
    }

    private static async Task<TransportAddress> Allocate(StreamTurnClient client)
    {
        var response = await client.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(response, out var message));
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out var relayed), $"Allocate failed: {UdpTurnClient.ErrorCode(response)}");
        return relayed;
    }
}
