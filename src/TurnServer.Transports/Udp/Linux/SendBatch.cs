using System.Runtime.InteropServices;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Transports.Udp.Linux;

/// <summary>
/// Datagrams a batched loop sends while handling what it received, copied into native memory and sent
/// when the loop has finished a round: each socket's datagrams leave in one sendmmsg call, in the order
/// they were queued. A copy costs tens of nanoseconds; the system call it saves costs microseconds.
/// </summary>
internal sealed unsafe class SendBatch : IDisposable
{
    public const int Capacity = 64;

    /// <summary>Larger datagrams (rare: most paths carry under 1,500 bytes) are sent on their own.</summary>
    public const int MaxDatagram = 2048;

    private readonly byte* _memory;
    private readonly byte* _payloads;
    private readonly byte* _addresses;
    private readonly IOVector* _vectors;
    private readonly MultipleMessageHeader* _queued;
    private readonly MultipleMessageHeader* _call;
    private readonly DatagramSocket?[] _sockets = new DatagramSocket?[Capacity];
    private int _count;

    public SendBatch()
    {
        var bytes = (Capacity * MaxDatagram) + (Capacity * LinuxSocketCalls.SocketAddressStride)
            + (Capacity * sizeof(IOVector)) + (2 * Capacity * sizeof(MultipleMessageHeader));
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        _payloads = _memory;
        _addresses = _payloads + (Capacity * MaxDatagram);
        _vectors = (IOVector*)(_addresses + (Capacity * LinuxSocketCalls.SocketAddressStride));
        _queued = (MultipleMessageHeader*)(_vectors + Capacity);
        _call = _queued + Capacity;
        for (var i = 0; i < Capacity; i++)
        {
            _vectors[i].Base = _payloads + (i * MaxDatagram);
            _queued[i] = default;
            _queued[i].Header.Name = _addresses + (i * LinuxSocketCalls.SocketAddressStride);
            _queued[i].Header.Vectors = _vectors + i;
            _queued[i].Header.VectorCount = 1;
        }
    }

    public int Count => _count;

    /// <summary>Queues a copy of the datagram; false when it is too long to batch.</summary>
    public bool TryAdd(DatagramSocket socket, in TransportAddress destination, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagram)
        {
            return false;
        }

        if (_count == Capacity)
        {
            Flush();
        }

        var held = false;
        try
        {
            socket.Handle.DangerousAddRef(ref held);
        }
        catch (ObjectDisposedException)
        {
            return true; // Closed: the datagram is lost, as it would be had it been sent a moment later.
        }

        var i = _count++;
        datagram.CopyTo(new Span<byte>(_vectors[i].Base, MaxDatagram));
        _vectors[i].Length = (nuint)datagram.Length;
        var address = new Span<byte>(_queued[i].Header.Name, LinuxSocketCalls.SocketAddressStride);
        _queued[i].Header.NameLength = (uint)SocketAddresses.WriteNative(destination, socket.Family, address);
        _sockets[i] = socket;
        return true;
    }

    public void Flush()
    {
        for (var first = 0; first < _count; first++)
        {
            var socket = _sockets[first];
            if (socket is null)
            {
                continue; // Already sent with an earlier socket's run.
            }

            var count = 0;
            for (var i = first; i < _count; i++)
            {
                if (ReferenceEquals(_sockets[i], socket))
                {
                    _call[count++] = _queued[i];
                    _sockets[i] = null;
                }
            }

            SendAll(socket, count);
            for (var i = 0; i < count; i++)
            {
                socket.Handle.DangerousRelease();
            }
        }

        _count = 0;
    }

    /// <summary>
    /// sendmmsg stops at the first datagram that fails and reports it on the next call, so a failure
    /// is counted and skipped and the rest still go.
    /// </summary>
    private void SendAll(DatagramSocket socket, int count)
    {
        var descriptor = (int)socket.Handle.DangerousGetHandle();
        var sent = 0;
        while (sent < count)
        {
            var result = LinuxSocketCalls.SendMessages(descriptor, _call + sent, (uint)(count - sent), 0);
            if (result > 0)
            {
                sent += result;
            }
            else if (result < 0 && Marshal.GetLastPInvokeError() == LinuxSocketCalls.ErrorInterrupted)
            {
                continue;
            }
            else
            {
                socket.Counters.SendFailed();
                sent++;
            }
        }
    }

    public void Dispose()
    {
        Flush();
        NativeMemory.AlignedFree(_memory);
    }
}
