using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace TurnServer.Transports.Dtls;

/// <summary>
/// BouncyCastle's view of one client's datagrams. During the handshake its blocking
/// <see cref="Receive"/> waits for datagrams the listener queues, on the handshake's own thread, and
/// gives up at the handshake deadline. Afterwards nothing blocks: the listener hands over one record at
/// a time and BouncyCastle reads it at once.
/// </summary>
internal sealed class DatagramChannel(Socket socket, SocketAddress client, DateTimeOffset handshakeDeadline, TimeProvider time) : DatagramTransport
{
    /// <summary>Handshake flights are cut to fit a path MTU; an established session carries up to a full TLS record.</summary>
    private const int HandshakeDatagramLimit = 1200;
    private const int RecordDatagramLimit = (1 << 14) + 2048;
    private const int MaxQueuedDatagrams = 32;

    private readonly Queue<byte[]> _queued = new();
    private byte[]? _handedOver;
    private int _handedOverOffset;
    private int _handedOverLength;
    private bool _established;
    private bool _closed;

    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Queues a datagram for the handshake thread; false once the handshake is over.</summary>
    public bool TryQueue(ReadOnlySpan<byte> datagram)
    {
        lock (_queued)
        {
            if (_established)
            {
                return false;
            }

            if (_queued.Count < MaxQueuedDatagrams)
            {
                _queued.Enqueue(datagram.ToArray());
                Monitor.Pulse(_queued);
            }

            return true;
        }
    }

    /// <summary>Ends the handshake phase and returns what arrived meanwhile, for the caller to read.</summary>
    public byte[][] CompleteHandshake()
    {
        lock (_queued)
        {
            _established = true;
            var left = _queued.ToArray();
            _queued.Clear();
            return left;
        }
    }

    /// <summary>Makes one record the next thing <see cref="Receive"/> returns; the caller holds the session lock.</summary>
    public void HandOver(byte[] buffer, int offset, int length)
    {
        _handedOver = buffer;
        _handedOverOffset = offset;
        _handedOverLength = length;
    }

    public int GetReceiveLimit() => RecordDatagramLimit;

    public int GetSendLimit() => Volatile.Read(ref _established) ? RecordDatagramLimit : HandshakeDatagramLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (_handedOver is { } record)
        {
            _handedOver = null;
            var length = Math.Min(buffer.Length, _handedOverLength);
            record.AsSpan(_handedOverOffset, length).CopyTo(buffer);
            return length;
        }

        lock (_queued)
        {
            if (_established)
            {
                return -1;
            }

            var until = time.GetUtcNow().AddMilliseconds(waitMillis);
            while (_queued.Count == 0)
            {
                var now = time.GetUtcNow();
                if (_closed || now >= handshakeDeadline)
                {
                    throw new IOException("DTLS handshake timed out");
                }

                if (now >= until)
                {
                    return -1;
                }

                var wake = (until < handshakeDeadline ? until : handshakeDeadline) - now;
                Monitor.Wait(_queued, wake);
            }

            var datagram = _queued.Dequeue();
            var copied = Math.Min(buffer.Length, datagram.Length);
            datagram.AsSpan(0, copied).CopyTo(buffer);
            return copied;
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (Volatile.Read(ref _closed))
        {
            return;
        }

        try
        {
            socket.SendTo(buffer, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            // Lost like any datagram; DTLS retransmits handshake flights and the relay tolerates loss.
        }
        catch (ObjectDisposedException)
        {
            // The listener is stopping.
        }
    }

    public void Close()
    {
        lock (_queued)
        {
            Volatile.Write(ref _closed, true);
            Monitor.PulseAll(_queued);
        }
    }
}
