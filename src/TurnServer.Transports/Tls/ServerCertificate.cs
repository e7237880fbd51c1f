using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace TurnServer.Transports.Tls;

/// <summary>
/// The certificate the server presents and the intermediates that come with it (a fullchain.pem from
/// Let's Encrypt has both): clients only trust the leaf when they are sent the chain to their root.
/// </summary>
public sealed class ServerCertificate : IDisposable
{
    private ServerCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        Leaf = leaf;
        Intermediates = intermediates;
        TlsContext = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Intermediates { get; }

    /// <summary>What SslStream sends: the leaf and the intermediates, with no online chain lookup.</summary>
    public SslStreamCertificateContext TlsContext { get; }

    /// <summary>Reads a PEM certificate file (leaf first, then any intermediates) and its PEM private key.</summary>
    public static ServerCertificate Load(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        // A PEM key is ephemeral; exporting and importing gives a certificate SslStream can use on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.Thumbprint == leaf.Thumbprint)
            {
                certificate.Dispose();
            }
            else
            {
                intermediates.Add(certificate);
            }
        }

        return new ServerCertificate(leaf, intermediates);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var certificate in Intermediates)
        {
            certificate.Dispose();
        }
    }
}
