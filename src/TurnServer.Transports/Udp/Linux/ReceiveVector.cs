using System.Runtime.InteropServices;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Framing;

namespace TurnServer.Transports.Udp.Linux;

/// <summary>
/// The native buffers one recvmmsg call fills: <see cref="Count"/> slots, each with the engine's
/// headroom before the datagram and room for the largest UDP datagram. Only the pages datagrams are
/// written into become resident, so a loop holds a few hundred KiB however many sockets it serves.
/// </summary>
internal sealed unsafe class ReceiveVector : IDisposable
{
    public const int Count = 32;
    private const int DataCapacity = 65536;
    private const int SlotLength = (PeerDataFraming.Headroom + DataCapacity + PeerDataFraming.Tailroom + 63) & ~63;

    private readonly byte* _slots;
    private readonly byte* _addresses;
    private readonly IOVector* _vectors;
    private readonly MultipleMessageHeader* _headers;

    public ReceiveVector()
    {
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)((long)Count * SlotLength), 4096);
        var bookkeeping = (Count * LinuxSocketCalls.SocketAddressStride) + (Count * sizeof(IOVector)) + (Count * sizeof(MultipleMessageHeader));
        _addresses = (byte*)NativeMemory.AlignedAlloc((nuint)bookkeeping, 64);
        _vectors = (IOVector*)(_addresses + (Count * LinuxSocketCalls.SocketAddressStride));
        _headers = (MultipleMessageHeader*)(_vectors + Count);
        for (var i = 0; i < Count; i++)
        {
            _vectors[i].Base = _slots + ((long)i * SlotLength) + PeerDataFraming.Headroom;
            _vectors[i].Length = DataCapacity;
            _headers[i] = default;
            _headers[i].Header.Name = _addresses + (i * LinuxSocketCalls.SocketAddressStride);
            _headers[i].Header.Vectors = _vectors + i;
            _headers[i].Header.VectorCount = 1;
        }
    }

    /// <summary>Reads what is queued on the socket without waiting: datagrams received, or -1 with the error.</summary>
    public int Receive(int descriptor, out int error)
    {
        for (var i = 0; i < Count; i++)
        {
            _headers[i].Header.NameLength = LinuxSocketCalls.SocketAddressStride;
            _headers[i].Header.Flags = 0;
        }

        var received = LinuxSocketCalls.ReceiveMessages(descriptor, _headers, Count, LinuxSocketCalls.MessageDontWait, null);
        error = received < 0 ? Marshal.GetLastPInvokeError() : 0;
        return received;
    }

    public bool IsTruncated(int index) => (_headers[index].Header.Flags & LinuxSocketCalls.MessageTruncated) != 0;

    public int Length(int index) => (int)_headers[index].Length;

    /// <summary>The sender; an address the kernel left empty reads as the IPv4 wildcard.</summary>
    public TransportAddress Sender(int index) =>
        SocketAddresses.ToTransportAddress(new ReadOnlySpan<byte>(_headers[index].Header.Name, LinuxSocketCalls.SocketAddressStride));

    /// <summary>The whole slot: headroom, datagram, tailroom.</summary>
    public Span<byte> Slot(int index) => new(_slots + ((long)index * SlotLength), SlotLength);

    public void Dispose()
    {
        NativeMemory.AlignedFree(_slots);
        NativeMemory.AlignedFree(_addresses);
    }
}
