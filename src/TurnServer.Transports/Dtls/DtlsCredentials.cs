using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Tls;
using Org.BouncyCastle.Security;
using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// The TLS certificate and key in BouncyCastle's form, made once per loaded certificate: DTLS presents
/// the same certificate and chain as TLS, and picks up a reload with the next handshake.
/// </summary>
internal sealed class DtlsCredentials
{
    private DtlsCredentials(ServerCertificate source, Certificate chain, AsymmetricKeyParameter privateKey, byte signatureAlgorithm)
    {
        Source = source;
        Chain = chain;
        PrivateKey = privateKey;
        SignatureAlgorithm = signatureAlgorithm;
    }

    public ServerCertificate Source { get; }

    public Certificate Chain { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary><see cref="Org.BouncyCastle.Crypto.Tls.SignatureAlgorithm"/>: ecdsa or rsa.</summary>
    public byte SignatureAlgorithm { get; }

    public static DtlsCredentials From(ServerCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var structures = new List<X509CertificateStructure> { ToStructure(certificate.Leaf.RawData) };
        foreach (var intermediate in certificate.Intermediates)
        {
            structures.Add(ToStructure(intermediate.RawData));
        }

        byte[] pkcs8;
        byte signature;
        using (var ecdsa = certificate.Leaf.GetECDsaPrivateKey())
        using (var rsa = ecdsa is null ? certificate.Leaf.GetRSAPrivateKey() : null)
        {
            AsymmetricAlgorithm key = (AsymmetricAlgorithm?)ecdsa ?? rsa ?? throw new NotSupportedException("DTLS needs an ECDSA or RSA certificate key");
            pkcs8 = key.ExportPkcs8PrivateKey();
            signature = ecdsa is not null ? Org.BouncyCastle.Crypto.Tls.SignatureAlgorithm.ecdsa : Org.BouncyCastle.Crypto.Tls.SignatureAlgorithm.rsa;
        }

        try
        {
            return new DtlsCredentials(certificate, new Certificate([.. structures]), PrivateKeyFactory.CreateKey(pkcs8), signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static X509CertificateStructure ToStructure(byte[] der) => X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der));
}
