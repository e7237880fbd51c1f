using System.Net;

namespace TurnServer.Client.Connections;

/// <summary>
/// One client's connection to a server: a connected UDP socket, or a TCP or TLS stream framed into
/// STUN and ChannelData messages. <see cref="ReceiveAsync"/> yields one whole message at a time.
/// </summary>
public abstract class ServerConnection : IAsyncDisposable
{
    /// <summary>Streams need ChannelData padded to 4 bytes (RFC 8656 section 12.5) and are reliable: no retransmission.</summary>
    public abstract bool IsStream { get; }

    public abstract IPEndPoint LocalEndPoint { get; }

    public abstract IPEndPoint RemoteEndPoint { get; }

    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>The next message, or an empty array when the server closed the connection.</summary>
    public abstract ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static async Task<ServerConnection> OpenAsync(IPEndPoint server, ClientTransport transport, TlsClientOptions? tls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        return transport == ClientTransport.Udp
            ? UdpServerConnection.Open(server)
            : await StreamServerConnection.OpenAsync(server, transport == ClientTransport.Tls ? tls ?? new TlsClientOptions() : null, cancellationToken).ConfigureAwait(false);
    }
}
