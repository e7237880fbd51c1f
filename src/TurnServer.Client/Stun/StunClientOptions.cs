using TurnServer.Client.Connections;

namespace TurnServer.Client.Stun;

/// <summary>How Binding requests are sent: retransmission over UDP, and TLS checks for stuns: servers.</summary>
public sealed record StunClientOptions
{
    public RetransmissionPolicy Retransmission { get; init; } = RetransmissionPolicy.Default;

    public TlsClientOptions? Tls { get; init; }
}
