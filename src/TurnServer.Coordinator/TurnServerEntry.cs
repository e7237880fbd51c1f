using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;

namespace TurnServer.Coordinator;

/// <summary>
/// A TURN server to relay through, with static credentials or a function that fetches fresh ones
/// (TURN REST credentials from the application's backend) for each allocation; the transports are
/// tried in order, so UDP first and TLS (on 443 where a site lets only web traffic out) last.
/// </summary>
public sealed record TurnServerEntry(IPEndPoint Server, Func<CancellationToken, Task<TurnCredentials>> Credentials)
{
    public TurnServerEntry(IPEndPoint server, TurnCredentials credentials)
        : this(server, _ => Task.FromResult(credentials))
    {
    }

    public IReadOnlyList<ClientTransport> Transports { get; init; } = [ClientTransport.Udp, ClientTransport.Tcp, ClientTransport.Tls];

    /// <summary>Where to reach the server over TCP and TLS when not on the UDP port (e.g. TLS on 443).</summary>
    public IPEndPoint? TcpServer { get; init; }

    public IPEndPoint? TlsServer { get; init; }

    public TlsClientOptions? Tls { get; init; }
}
