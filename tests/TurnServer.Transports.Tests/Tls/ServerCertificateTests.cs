using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Tests.Tls;

public sealed class ServerCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("turnserver-chain-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void FullChainPem_KeepsTheIntermediates_ForTlsAndDtls()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Intermediate", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=turn.example", leafKey, HashAlgorithmName.SHA256);
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        var chainPath = Path.Combine(_directory, "fullchain.pem");
        var keyPath = Path.Combine(_directory, "privkey.pem");
        File.WriteAllText(chainPath, leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem());
        File.WriteAllText(keyPath, leafKey.ExportPkcs8PrivateKeyPem());

        using var loaded = ServerCertificate.Load(chainPath, keyPath);

        Assert.Equal("CN=turn.example", loaded.Leaf.Subject);
        Assert.True(loaded.Leaf.HasPrivateKey);
        var intermediate = Assert.Single(loaded.Intermediates);
        Assert.Equal("CN=Test Intermediate", intermediate.Subject);
        Assert.Equal(2, Transports.Dtls.DtlsCredentials.From(loaded, new Org.BouncyCastle.Tls.Crypto.Impl.BC.BcTlsCrypto()).Chain.Length);
    }
}
