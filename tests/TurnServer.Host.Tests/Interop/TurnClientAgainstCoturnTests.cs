using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;

namespace TurnServer.Host.Tests.Interop;

/// <summary>Our TURN client relays through coturn's server too: the other direction of interoperability.</summary>
[Collection(Integration.SequentialCollection.Name)]
public sealed class TurnClientAgainstCoturnTests : IDisposable
{
    private readonly Integration.TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    [RequiresToolTheory("turnserver", "coturn")]
    [InlineData(ClientTransport.Udp)]
    [InlineData(ClientTransport.Tcp)]
    [InlineData(ClientTransport.Tls)]
    public async Task RelaysToAnEchoPeer_ThroughCoturn(ClientTransport transport)
    {
        await using var coturn = await CoturnServer.StartAsync(_certificate.CertificatePath, _certificate.KeyPath);
        await using var peer = new UdpEchoPeer();
        var options = new TurnClientOptions(transport == ClientTransport.Tls ? coturn.TlsEndPoint : coturn.EndPoint, new TurnCredentials(CoturnServer.User, CoturnServer.Password))
        {
            Transport = transport,
            Tls = new TlsClientOptions { TargetHost = "localhost", CertificateValidation = (_, certificate, _, _) => certificate is not null },
        };

        await using var client = await TurnClient.AllocateAsync(options);
        await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 50);
    }
}
