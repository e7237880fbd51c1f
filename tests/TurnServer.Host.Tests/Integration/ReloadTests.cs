using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>SIGHUP's reload: a new REST secret and a new certificate while allocations relay.</summary>
[Collection(SequentialCollection.Name)]
public sealed class ReloadTests : IAsyncLifetime, IDisposable
{
    private const string RotatedSecret = "rotated-secret";
    private const int Packets = 300;

    private readonly TestCertificate _certificate = new();
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private ServerFixture _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync($"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _peer.ReceiveTimeout = 3000;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _peer.Dispose();
        _certificate.Dispose();
    }

    [Fact]
    public async Task NewSecretAndCertificate_UnderLiveTraffic_LoseNoAllocationAndNoPacket()
    {
        var peer = TransportAddress.FromIPEndPoint((IPEndPoint)_peer.LocalEndPoint!);
        using var live = RestClient(ServerFixture.Secret);
        live.Allocate();
        Assert.Null(UdpTurnClient.ErrorCode(live.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer))));
        using var tls = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: true);
        Assert.Null(UdpTurnClient.ErrorCode(await tls.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));

        var received = Task.Run(CountAtPeer);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Packets; i++)
            {
                live.Send(live.Build(StunMethod.Send, (ref StunMessageWriter w) =>
                {
                    w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
                    w.WriteAttribute(StunAttributeType.Data, [(byte)i]);
                }, signed: false, StunClass.Indication));
                await Task.Delay(2);
            }
        });

        await Task.Delay(100);
        _certificate.Write("CN=renewed.example");
        Assert.True(_server.Reload($"--user={ServerFixture.User}:{ServerFixture.Password}", $"--static-auth-secret={RotatedSecret}"));
        await sending;

        Assert.Equal(Packets, await received);
        Assert.Equal(2, _server.Engine.Allocations.Count);
        Assert.Null(UdpTurnClient.ErrorCode(await tls.RequestAsync(StunMethod.Refresh)));

        using var stale = RestClient(ServerFixture.Secret);
        Assert.Equal(401, UdpTurnClient.ErrorCode(stale.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));
        using var rotated = RestClient(RotatedSecret);
        rotated.Allocate();
        using var renewed = await StreamTurnClient.ConnectAsync(_server.TlsEndPoint, tls: true);
        Assert.Contains("CN=renewed.example", renewed.RemoteCertificate!.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenConfiguration_IsRefused_AndTheOldOneServesOn()
    {
        Assert.False(_server.Reload("--user=no-colon"));

        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();
    }

    private UdpTurnClient RestClient(string secret)
    {
        var name = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}:carol";
        var password = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(name)));
        return new UdpTurnClient(_server.EndPoint, name, password);
    }

    private int CountAtPeer()
    {
        var buffer = new byte[64];
        var count = 0;
        try
        {
            while (count < Packets)
            {
                _peer.Receive(buffer);
                count++;
            }
        }
        catch (SocketException)
        {
            // Nothing more within the timeout.
        }

        return count;
    }
}
