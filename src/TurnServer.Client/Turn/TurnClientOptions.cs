using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Stun;

namespace TurnServer.Client.Turn;

/// <summary>Where and how to allocate a relay.</summary>
public sealed record TurnClientOptions(IPEndPoint Server, TurnCredentials Credentials)
{
    public ClientTransport Transport { get; init; } = ClientTransport.Udp;

    public TlsClientOptions? Tls { get; init; }

    /// <summary>The relayed address's family: IPv4 unless IPv6 is asked for (RFC 6156).</summary>
    public System.Net.Sockets.AddressFamily RelayFamily { get; init; } = System.Net.Sockets.AddressFamily.InterNetwork;

    /// <summary>How long before the allocation would expire it is refreshed (RFC 8656 suggests a minute).</summary>
    public TimeSpan RefreshMargin { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often an otherwise quiet client refreshes its allocation: it keeps the client's own NAT
    /// mapping to the server open (many home routers forget UDP after 30 s) and shows soon that the
    /// server has forgotten the allocation, say after a restart.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// When the allocation is lost (the server restarted or ended it, or closed the connection),
    /// allocate again, with backoff until it works, and reinstall the permissions and channels in use;
    /// <see cref="TurnClient.Reallocated"/> names the new relayed address. Off, a lost allocation
    /// makes every later call throw.
    /// </summary>
    public bool Reallocate { get; init; } = true;

    public RetransmissionPolicy Retransmission { get; init; } = RetransmissionPolicy.Default;

    /// <summary>Received datagrams kept for <see cref="TurnClient.ReceiveFromAsync"/>; older ones are dropped when it is full, as a socket would.</summary>
    public int ReceiveQueueLength { get; init; } = 1024;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
