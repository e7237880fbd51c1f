using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// The TLS certificate and key in BouncyCastle's form, made once per loaded certificate: DTLS presents
/// the same certificate and chain as TLS, and picks up a reload with the next handshake.
/// </summary>
internal sealed class DtlsCredentials
{
    private DtlsCredentials(ServerCertificate source, Certificate chain, AsymmetricKeyParameter privateKey, short signatureAlgorithm)
    {
        Source = source;
        Chain = chain;
        PrivateKey = privateKey;
        SignatureAlgorithm = signatureAlgorithm;
    }

    public ServerCertificate Source { get; }

    public Certificate Chain { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary><see cref="Org.BouncyCastle.Tls.SignatureAlgorithm"/>: ecdsa or rsa.</summary>
    public short SignatureAlgorithm { get; }

    public static DtlsCredentials From(ServerCertificate certificate, BcTlsCrypto crypto)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var chain = new List<TlsCertificate> { new BcTlsCertificate(crypto, certificate.Leaf.RawData) };
        foreach (var intermediate in certificate.Intermediates)
        {
            chain.Add(new BcTlsCertificate(crypto, intermediate.RawData));
        }

        byte[] pkcs8;
        short signature;
        using (var ecdsa = certificate.Leaf.GetECDsaPrivateKey())
        using (var rsa = ecdsa is null ? certificate.Leaf.GetRSAPrivateKey() : null)
        {
            AsymmetricAlgorithm key = (AsymmetricAlgorithm?)ecdsa ?? rsa ?? throw new NotSupportedException("DTLS needs an ECDSA or RSA certificate key");
            pkcs8 = key.ExportPkcs8PrivateKey();
            signature = ecdsa is not null ? Org.BouncyCastle.Tls.SignatureAlgorithm.ecdsa : Org.BouncyCastle.Tls.SignatureAlgorithm.rsa;
        }

        try
        {
            return new DtlsCredentials(certificate, new Certificate([.. chain]), PrivateKeyFactory.CreateKey(pkcs8), signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
