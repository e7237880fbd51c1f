namespace TurnServer.Transports;

/// <summary>
/// Counts what the transports drop, so failures show in metrics instead of exceptions: a relay must
/// keep serving everyone else when one send fails.
/// </summary>
public sealed class TransportErrors
{
    private long _sendFailures;
    private long _receiveFailures;

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public long ReceiveFailures => Interlocked.Read(ref _receiveFailures);

    internal void SendFailed() => Interlocked.Increment(ref _sendFailures);

    internal void ReceiveFailed() => Interlocked.Increment(ref _receiveFailures);
}
