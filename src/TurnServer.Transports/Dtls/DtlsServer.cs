using System.Collections;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// BouncyCastle's server side of one DTLS handshake: DTLS 1.2 only (OpenSSL 3 clients cannot finish a
/// 1.0 handshake, which signs with SHA-1), ECDHE key exchange only, with the suites that match the
/// certificate's key.
/// </summary>
internal sealed partial class DtlsServer(DtlsCredentials credentials, int[] cipherSuites, ILogger logger) : DefaultTlsServer
{
    protected override ProtocolVersion MinimumVersion => ProtocolVersion.DTLSv12;

    protected override ProtocolVersion MaximumVersion => ProtocolVersion.DTLSv12;

    /// <summary>Offering a suite the key cannot sign for would end the handshake in internal_error.</summary>
    protected override int[] GetCipherSuites() => cipherSuites;

    protected override TlsSignerCredentials GetECDsaSignerCredentials() => Signer(SignatureAlgorithm.ecdsa);

    protected override TlsSignerCredentials GetRsaSignerCredentials() => Signer(SignatureAlgorithm.rsa);

    private DefaultTlsSignerCredentials Signer(byte signatureAlgorithm)
    {
        if (credentials.SignatureAlgorithm != signatureAlgorithm)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error);
        }

        return new DefaultTlsSignerCredentials(mContext, credentials.Chain, credentials.PrivateKey, ChooseSignatureAndHash(signatureAlgorithm));
    }

    /// <summary>
    /// Signs with a hash the client listed (SHA-256 preferred), or SHA-1 when it listed none
    /// (RFC 5246 section 7.4.1.4.1).
    /// </summary>
    private SignatureAndHashAlgorithm ChooseSignatureAndHash(byte signatureAlgorithm)
    {
        SignatureAndHashAlgorithm? chosen = null;
        foreach (SignatureAndHashAlgorithm offered in (IEnumerable?)mSupportedSignatureAlgorithms ?? Array.Empty<SignatureAndHashAlgorithm>())
        {
            if (offered.Signature == signatureAlgorithm && (chosen is null || offered.Hash == HashAlgorithm.sha256))
            {
                chosen = offered;
            }
        }

        if (mSupportedSignatureAlgorithms is null)
        {
            return new SignatureAndHashAlgorithm(HashAlgorithm.sha1, signatureAlgorithm);
        }

        return chosen ?? throw new TlsFatalAlert(AlertDescription.handshake_failure);
    }

    public override void NotifyAlertRaised(byte alertLevel, byte alertDescription, string message, Exception cause) =>
        LogAlert(logger, "sent", new Alert(alertLevel, alertDescription), message);

    public override void NotifyAlertReceived(byte alertLevel, byte alertDescription) =>
        LogAlert(logger, "received", new Alert(alertLevel, alertDescription), null);

    /// <summary>Named only when the log line is written.</summary>
    private readonly record struct Alert(byte Level, byte Description)
    {
        public override string ToString() => $"{AlertLevel.GetText(Level)} {AlertDescription.GetText(Description)}";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS alert {Direction}: {Alert} {Detail}")]
    private static partial void LogAlert(ILogger logger, string direction, Alert alert, string? detail);
}
