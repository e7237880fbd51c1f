using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace TurnServer.Host.Tests.Integration;

/// <summary>coturn's cipher-list narrows what TLS 1.2 clients may negotiate (here to a suite OpenSSL would not pick first); TLS 1.3 is left alone.</summary>
[Collection(SequentialCollection.Name)]
public sealed class TlsCipherListTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificate _certificate = new();
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync($"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}", "--cipher-list=ECDHE-ECDSA-AES128-GCM-SHA256:HIGH");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _certificate.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)]
    [InlineData(SslProtocols.Tls13, null)]
    public async Task Tls12Clients_GetTheConfiguredSuite(SslProtocols protocol, TlsCipherSuite? expected)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.TlsEndPoint);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => certificate is not null);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol });

        Assert.Equal(protocol, ssl.SslProtocol);
        if (expected is { } suite)
        {
            Assert.Equal(suite, ssl.NegotiatedCipherSuite);
        }
    }
}
