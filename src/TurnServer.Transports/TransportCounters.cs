namespace TurnServer.Transports;

/// <summary>
/// What the transports count for metrics: failures they absorb (a relay must keep serving everyone
/// else when one send fails), connections refused by a limit, and TLS and DTLS handshakes.
/// </summary>
public sealed class TransportCounters
{
    private long _sendFailures;
    private long _receiveFailures;
    private long _tlsHandshakes;
    private long _tlsHandshakeFailures;
    private long _dtlsHandshakes;
    private long _dtlsHandshakeFailures;
    private long _connectionsRefused;

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public long ReceiveFailures => Interlocked.Read(ref _receiveFailures);

    /// <summary>TCP/TLS connections and DTLS sessions refused for being over a per-source, total or handshake limit.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    public long TlsHandshakes => Interlocked.Read(ref _tlsHandshakes);

    public long TlsHandshakeFailures => Interlocked.Read(ref _tlsHandshakeFailures);

    public long DtlsHandshakes => Interlocked.Read(ref _dtlsHandshakes);

    public long DtlsHandshakeFailures => Interlocked.Read(ref _dtlsHandshakeFailures);

    internal void SendFailed() => Interlocked.Increment(ref _sendFailures);

    internal void ReceiveFailed() => Interlocked.Increment(ref _receiveFailures);

    internal void ConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);

    internal void TlsHandshakeDone(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _tlsHandshakes : ref _tlsHandshakeFailures);

    internal void DtlsHandshakeDone(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _dtlsHandshakes : ref _dtlsHandshakeFailures);
}
