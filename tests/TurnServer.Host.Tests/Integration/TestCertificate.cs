using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TurnServer.Host.Tests.Integration;

/// <summary>A self-signed certificate written as PEM files, as an operator would give them.</summary>
internal sealed class TestCertificate : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("turnserver-cert-").FullName;

    public TestCertificate(string subject = "CN=localhost")
    {
        CertificatePath = Path.Combine(_directory, "cert.pem");
        KeyPath = Path.Combine(_directory, "key.pem");
        Write(subject);
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    /// <summary>Replaces both files with a new certificate, as a renewal would.</summary>
    public void Write(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509SubjectAlternativeNameExtension(BuildSan()));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
    }

    private static byte[] BuildSan()
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        return san.Build().RawData;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
