using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Transports.Streams;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// A TLS port that serves plain TCP too (chosen by the first byte, as coturn does), its deadlines, and
/// the cap on connections in all, against the running server.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class SharedPortTests : IAsyncLifetime, IDisposable
{
    private static readonly StreamTransportOptions Limits = new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(30),
        MaxConnectionsPerIP = 8,
        MaxConnections = 4,
    };

    private readonly TestCertificate _certificate = new();
    private readonly HttpClient _http = new();
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync(s => s with { Streams = Limits }, $"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}", "--prometheus", "--prometheus-port=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _certificate.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheTlsPort_AllocatesOverTlsAndOverPlainTcp(bool tls)
    {
        using var client = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls);
        var response = await client.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));

        Assert.Null(UdpTurnClient.ErrorCode(response));
        Assert.Equal(tls, client.RemoteCertificate is not null);
    }

    [Fact]
    public async Task APlainTcpClientThatWaits_IsNotHeldToTheTlsHandshakeDeadline()
    {
        using var client = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: false);
        await Task.Delay(Limits.HandshakeTimeout * 3);

        Assert.Null(UdpTurnClient.ErrorCode(await client.RequestAsync(StunMethod.Binding)));
    }

    [Fact]
    public async Task AClientThatStartsTlsAndStalls_IsClosedAtTheHandshakeDeadline()
    {
        using var stalled = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: false);
        await stalled.WriteAsync([0x16, 0x03, 0x01, 0x00, 0x80]); // a ClientHello record's header, then nothing

        Assert.True(await stalled.IsClosedByServerWithinAsync(Limits.HandshakeTimeout * 4));
    }

    [Fact]
    public async Task ConnectionsBeyondTheTotalCap_AreRefusedWhateverTheirSource_AndCounted()
    {
        var clients = new List<StreamTurnClient>();
        try
        {
            // Each from its own address, so only the total can refuse them; TCP and TLS ports share it.
            for (var i = 0; i < Limits.MaxConnections; i++)
            {
                var port = i % 2 == 0 ? _server.TcpEndPoint : _server.TlsEndPoint;
                clients.Add(await StreamTurnClient.ConnectAsync(port, tls: false, from: IPAddress.Parse($"127.0.0.{i + 2}")));
                Assert.Null(UdpTurnClient.ErrorCode(await clients[^1].RequestAsync(StunMethod.Binding)));
            }

            using var extra = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false, from: IPAddress.Parse("127.0.0.100"));
            Assert.True(await extra.IsClosedByServerWithinAsync(TimeSpan.FromSeconds(2)));
            Assert.Equal(1, await ConnectionLimitDrops());

            clients[0].Dispose();
            clients.RemoveAt(0);
            Assert.True(await IsAdmittedWithin(TimeSpan.FromSeconds(5), IPAddress.Parse("127.0.0.101")));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>A closed connection frees its place once the server has seen it go: retries until then.</summary>
    private async Task<bool> IsAdmittedWithin(TimeSpan within, IPAddress from)
    {
        var deadline = DateTime.UtcNow + within;
        do
        {
            using var client = await StreamTurnClient.ConnectAsync(_server.TcpEndPoint, tls: false, from: from);
            try
            {
                return UdpTurnClient.ErrorCode(await client.RequestAsync(StunMethod.Binding)) is null;
            }
            catch (IOException)
            {
                await Task.Delay(100);
            }
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    private async Task<long> ConnectionLimitDrops()
    {
        var text = await _http.GetStringAsync(new Uri($"http://{_server.MonitoringEndPoint}/metrics"));
        const string Series = "turnserver_dropped_packets_total{reason=\"connection_limit\"} ";
        var line = text.Split('\n').Single(l => l.StartsWith(Series, StringComparison.Ordinal));
        return long.Parse(line[Series.Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
