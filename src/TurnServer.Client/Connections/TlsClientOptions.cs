using System.Net.Security;

namespace TurnServer.Client.Connections;

/// <summary>How a turns: connection checks the server: by its name, and by the system's trust store unless told otherwise.</summary>
public sealed record TlsClientOptions
{
    /// <summary>The name the certificate must carry; the server's address when not given.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Replaces the system's validation, e.g. to trust a test CA; null keeps it.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }
}
