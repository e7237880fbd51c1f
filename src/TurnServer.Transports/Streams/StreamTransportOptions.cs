namespace TurnServer.Transports.Streams;

/// <summary>
/// Limits that keep a slow or hostile TCP/TLS client from holding memory or a thread. The defaults
/// suit a public server; each is a bound, never a buffer that grows with what a client sends.
/// </summary>
public sealed record StreamTransportOptions
{
    /// <summary>
    /// The largest STUN or ChannelData frame accepted; a larger length closes the connection. WebRTC
    /// stacks stay under the path MTU; 16 KB leaves room for any of them.
    /// </summary>
    public int MaxFrameLength { get; init; } = 16 * 1024;

    /// <summary>A TLS handshake must finish within this.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A frame whose first bytes arrived must be complete within this (slowloris).</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection with no allocation is closed after this long without a frame.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open connections one source (an IPv4 address or an IPv6 prefix) may hold at once.</summary>
    public int MaxConnectionsPerIP { get; init; } = 64;

    /// <summary>
    /// Open TCP and TLS connections in all (and, separately, DTLS sessions): the bound that keeps many
    /// sources together from exhausting descriptors and memory.
    /// </summary>
    public int MaxConnections { get; init; } = 20_000;

    /// <summary>IPv6 clients within one prefix of this length count as one source.</summary>
    public int IPv6SourcePrefix { get; init; } = Relay.Policy.SourcePrefix.DefaultIPv6Length;

    /// <summary>Bytes queued for one client before further messages to it are dropped (a slow reader).</summary>
    public int MaxQueuedBytes { get; init; } = 256 * 1024;

    /// <summary>The TLS 1.2 and DTLS cipher suites offered (coturn's cipher-list).</summary>
    public Tls.CipherList Ciphers { get; init; } = Tls.CipherList.Default;
}
