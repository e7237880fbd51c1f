using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// BouncyCastle's server side of one DTLS handshake: DTLS 1.2 only (OpenSSL 3 clients cannot finish a
/// 1.0 handshake, which signs with SHA-1), ECDHE key exchange only, with the suites that match the
/// certificate's key.
/// </summary>
internal sealed partial class DtlsServer(BcTlsCrypto crypto, DtlsCredentials credentials, int[] cipherSuites, ILogger logger) : DefaultTlsServer(crypto)
{
    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    /// <summary>Offering a suite the key cannot sign for would end the handshake in internal_error.</summary>
    protected override int[] GetSupportedCipherSuites() => cipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => Signer(SignatureAlgorithm.ecdsa);

    protected override TlsCredentialedSigner GetRsaSignerCredentials() => Signer(SignatureAlgorithm.rsa);

    /// <summary>Signs with a hash the client listed, or SHA-1 when it listed none (RFC 5246 section 7.4.1.4.1).</summary>
    private BcDefaultTlsCredentialedSigner Signer(short signatureAlgorithm)
    {
        if (credentials.SignatureAlgorithm != signatureAlgorithm)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error);
        }

        var hash = TlsUtilities.ChooseSignatureAndHashAlgorithm(m_context, m_context.SecurityParameters.ClientSigAlgs, signatureAlgorithm);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), crypto, credentials.PrivateKey, credentials.Chain, hash);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        LogAlert(logger, "sent", new Alert(alertLevel, alertDescription), message);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) =>
        LogAlert(logger, "received", new Alert(alertLevel, alertDescription), null);

    /// <summary>Named only when the log line is written.</summary>
    private readonly record struct Alert(short Level, short Description)
    {
        public override string ToString() => $"{AlertLevel.GetText(Level)} {AlertDescription.GetText(Description)}";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS alert {Direction}: {Alert} {Detail}")]
    private static partial void LogAlert(ILogger logger, string direction, Alert alert, string? detail);
}
