using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Client.Stun;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Client;

/// <summary>Binding against our server over each transport, and a list of servers with a dead one in it.</summary>
[Collection(SequentialCollection.Name)]
public sealed class StunClientTests : IAsyncLifetime, IDisposable
{
    private static readonly StunClientOptions Quick = new()
    {
        Retransmission = new RetransmissionPolicy(TimeSpan.FromMilliseconds(100), 3, 4),
        Tls = new TlsClientOptions { CertificateValidation = (_, certificate, _, _) => certificate is not null },
    };

    private readonly TestCertificate _certificate = new();
    private readonly Socket _deadServer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private ServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync($"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");
        _deadServer.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // takes datagrams, answers none
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _deadServer.Dispose();
        _certificate.Dispose();
    }

    private IPEndPoint Dead => (IPEndPoint)_deadServer.LocalEndPoint!;

    [Theory]
    [InlineData(ClientTransport.Udp)]
    [InlineData(ClientTransport.Tcp)]
    [InlineData(ClientTransport.Tls)]
    public async Task Binding_ReturnsTheAddressTheServerSaw(ClientTransport transport)
    {
        var server = transport switch
        {
            ClientTransport.Udp => _server.EndPoint,
            ClientTransport.Tcp => _server.TcpEndPoint,
            _ => _server.TlsEndPoint,
        };

        var answer = await StunClient.BindingAsync(server, transport, Quick);

        Assert.Equal(IPAddress.Loopback, answer.Mapped.Address);
        Assert.NotEqual(0, answer.Mapped.Port);
        Assert.Equal(server, answer.ReceivedFrom);
        Assert.True(answer.RoundTrip > TimeSpan.Zero);
    }

    [Fact]
    public async Task DeadServer_IsATimeout_AfterTheRetransmissions()
    {
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => StunClient.BindingAsync(Dead, ClientTransport.Udp, Quick));

        // 100 + 200 + 400 ms of waiting.
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(650), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Failover_SkipsTheDeadServer()
    {
        var answer = await StunClient.FirstAnswerAsync([Dead, _server.EndPoint], race: false, options: Quick);

        Assert.Equal(_server.EndPoint, answer.ReceivedFrom);
    }

    [Fact]
    public async Task Race_AnswersAsSoonAsTheLiveServerDoes()
    {
        var stopwatch = Stopwatch.StartNew();
        var answer = await StunClient.FirstAnswerAsync([Dead, _server.EndPoint], race: true, options: Quick);

        Assert.Equal(_server.EndPoint, answer.ReceivedFrom);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(650), $"the race waited for the dead server: {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task NoServerAnswering_SaysSoForEach()
    {
        var failed = await Assert.ThrowsAsync<AggregateException>(() => StunClient.FirstAnswerAsync([Dead, Dead], race: true, options: Quick));

        Assert.Equal(2, failed.InnerExceptions.Count);
    }
}
