using TurnServer.Client.Connections;

namespace TurnServer.TurnUtil;

/// <summary>--insecure: accept any certificate, for servers with a self-signed one (testing only).</summary>
internal static class Insecure
{
    public static TlsClientOptions Tls { get; } = new() { CertificateValidation = (_, certificate, _, _) => certificate is not null };
}
