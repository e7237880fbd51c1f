using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Transports.Streams;

namespace TurnServer.Host.Tests.Integration;

/// <summary>TURN over DTLS 1.2 against the running server, and what a misbehaving DTLS client meets.</summary>
[Collection(SequentialCollection.Name)]
public sealed class DtlsTransportTests : IAsyncLifetime, IDisposable
{
    private static readonly StreamTransportOptions ShortDeadlines = new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        IdleTimeout = TimeSpan.FromSeconds(2),
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

    private IPEndPoint Dtls => _server.EndPointFor("dtls", AddressFamily.InterNetwork);

    [Fact]
    public async Task Relays_SendAndDataIndications_BothWays()
    {
        using var client = await DtlsTurnClient.ConnectAsync(Dtls);
        var relayed = Allocate(client);
        var peer = TransportAddress.FromIPEndPoint((IPEndPoint)_peer.LocalEndPoint!);
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer))));

        client.Send(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.WriteAttribute(StunAttributeType.Data, "over dtls"u8);
        }, StunClass.Indication));
        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = _peer.ReceiveFrom(buffer, ref from);
        Assert.Equal("over dtls"u8.ToArray(), buffer[..length]);
        Assert.Equal(relayed, TransportAddress.FromIPEndPoint((IPEndPoint)from));

        _peer.SendTo("and back"u8, from);
        var indication = client.Receive();
        Assert.NotNull(indication);
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(indication, out var message));
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), message.Type);
        Assert.True(message.TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal("and back"u8.ToArray(), data.ToArray());
    }

    [Fact]
    public async Task CloseNotify_EndsTheSessionAndItsAllocation()
    {
        using var client = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(client);
        Assert.Equal(1, _server.Engine.Allocations.Count);

        client.Close();
        Assert.True(await Eventually(() => _server.Engine.Allocations.Count == 0 && _server.DtlsSessionCount == 0));
    }

    [Fact]
    public async Task AClientRestartingFromTheSamePort_GetsANewSession()
    {
        int port;
        using (var before = await DtlsTurnClient.ConnectAsync(Dtls))
        {
            Allocate(before);
            port = before.LocalPort;
        }

        // The old client is gone without a word; the new one handshakes from the same address.
        using var after = await DtlsTurnClient.ConnectAsync(Dtls, localPort: port);
        Allocate(after);
        Assert.Equal(1, _server.Engine.Allocations.Count);
        Assert.Equal(1, _server.DtlsSessionCount);
    }

    [Fact]
    public async Task Dtls10ClientHello_IsRefusedWithProtocolVersionAlert()
    {
        var refused = await Assert.ThrowsAsync<TlsFatalAlertReceived>(() => DtlsTurnClient.ConnectAsync(Dtls, version: ProtocolVersion.DTLSv10));
        Assert.Equal(AlertDescription.protocol_version, refused.AlertDescription);
        Assert.Equal(0, _server.DtlsSessionCount);
    }

    /// <summary>
    /// RFC 6347 section 4.2.1: a ClientHello without a cookie gets a HelloVerifyRequest and nothing
    /// else, so a flood from spoofed sources leaves no session, takes no place under any limit, and
    /// is answered with fewer bytes than it sent.
    /// </summary>
    [Fact]
    public async Task ClientHellosFromThousandsOfSources_GetOnlyACookie_AndLeaveNoState()
    {
        var hello = DtlsTurnClient.CaptureClientHello();
        var answered = 0;
        var answerBytes = 0L;
        var buffer = new byte[2048];
        for (var host = 2; host < 252; host++)
        {
            var sockets = Enumerable.Range(0, 8).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToList();
            try
            {
                foreach (var socket in sockets)
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{host}"), 0));
                    socket.SendTo(hello, Dtls);
                }

                foreach (var socket in sockets)
                {
                    if (socket.Poll(TimeSpan.FromSeconds(2), SelectMode.SelectRead))
                    {
                        var length = socket.Receive(buffer);
                        Assert.Equal(22, buffer[0]); // handshake record
                        Assert.Equal(3, buffer[13]); // hello_verify_request
                        answered++;
                        answerBytes += length;
                    }
                }
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }

            Assert.Equal(0, _server.DtlsSessionCount);
        }

        Assert.Equal(250 * 8, answered);
        Assert.True(answerBytes < (long)answered * hello.Length, $"{answerBytes} bytes answered to {answered} ClientHellos of {hello.Length} bytes");
        using var client = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(client);
    }

    /// <summary>RFC 6347 section 4.1.2.7: a record that fails its MAC is dropped, not the end of the association.</summary>
    [Fact]
    public async Task AForgedRecordFromTheClientsAddress_IsDropped_AndTheSessionServesOn()
    {
        using var client = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(client);
        using (var forger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            forger.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            forger.Bind(new IPEndPoint(IPAddress.Loopback, client.LocalPort));
            var forged = new byte[13 + 48];
            new byte[] { 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 99, 0, 48 }.CopyTo(forged, 0);
            Random.Shared.NextBytes(forged.AsSpan(13));
            forger.SendTo(forged, Dtls);
        }

        await Task.Delay(200);
        Assert.Equal(1, _server.DtlsSessionCount);
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.Refresh)));
    }

    [Fact]
    public async Task HandshakeThatGoesNowhere_IsGivenUp_AndOthersAreServed()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        // Not a handshake: starts nothing. A ClientHello that is garbage has no cookie, so it starts
        // nothing either, and is no error of the server's.
        socket.SendTo(new byte[] { 23, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, Dtls);
        Assert.Equal(0, _server.DtlsSessionCount);
        var hello = new byte[60];
        new byte[] { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 47, 1, 0, 0, 35, 0, 0, 0, 0, 0, 0, 35, 0xFE, 0xFD }.CopyTo(hello, 0);
        socket.SendTo(hello, Dtls);
        Assert.True(await Eventually(() => _server.DtlsSessionCount == 0, TimeSpan.FromSeconds(5)));

        using var client = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(client);
        Assert.Empty(_server.LoggedProblems);
    }

    [Fact]
    public async Task IdleSessionWithoutAllocation_IsEnded_ButOneWithAnAllocationStays()
    {
        using var idle = await DtlsTurnClient.ConnectAsync(Dtls);
        Assert.Null(UdpTurnClient.ErrorCode(idle.Request(StunMethod.Binding)));
        using var allocated = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(allocated);
        Assert.Equal(2, _server.DtlsSessionCount);

        Assert.True(await Eventually(() => _server.DtlsSessionCount == 1, TimeSpan.FromSeconds(6)));
        Assert.Null(UdpTurnClient.ErrorCode(allocated.Request(StunMethod.Refresh)));
    }

    [Fact]
    public async Task CertificateReload_NewHandshakesGetTheNewCertificate_LiveSessionsCarryOn()
    {
        using var before = await DtlsTurnClient.ConnectAsync(Dtls);
        Allocate(before);
        Assert.Equal("CN=localhost", before.ServerSubject);

        _certificate.Write("CN=renewed.example");
        Assert.True(_server.Certificates!.Reload());

        using var after = await DtlsTurnClient.ConnectAsync(Dtls);
        Assert.Equal("CN=renewed.example", after.ServerSubject);
        Assert.Null(UdpTurnClient.ErrorCode(before.Request(StunMethod.Refresh)));
    }

    private static TransportAddress Allocate(DtlsTurnClient client)
    {
        var response = client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(response, out var message));
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out var relayed), $"Allocate failed: {UdpTurnClient.ErrorCode(response)}");
        return relayed;
    }

    private static async Task<bool> Eventually(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(3));
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return condition();
    }
}
