using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Udp;

/// <summary>How UDP sockets are read and written.</summary>
public enum UdpIoMode
{
    /// <summary>Linux: a few epoll threads with recvmmsg and sendmmsg; elsewhere the portable loops.</summary>
    Batched,

    /// <summary>A .NET asynchronous receive loop per socket, one datagram per system call.</summary>
    Portable,
}

/// <summary>
/// The receive loops every UDP listener and relay socket is served by. Batched, there is one epoll
/// loop per thread; each listening address gets one SO_REUSEPORT socket per loop (the kernel keeps a
/// client on one of them, so its datagrams stay in order) and relay sockets are dealt round-robin.
/// </summary>
public sealed class UdpIo : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _nextLoop;

    private UdpIo(EpollLoop[] loops) => _loops = loops;

    public static UdpIo Create(UdpIoMode mode, int threads, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (mode == UdpIoMode.Portable || !LinuxSocketCalls.IsSupported)
        {
            return new UdpIo([]);
        }

        var count = threads == 0 ? Environment.ProcessorCount : threads;
        return new UdpIo([.. Enumerable.Range(0, count).Select(i => new EpollLoop(i, logger))]);
    }

    public bool IsBatched => _loops.Length > 0;

    /// <summary>Receive threads: the batched loops, or 0 when each socket has its own asynchronous loop.</summary>
    public int Threads => _loops.Length;

    /// <summary>Sockets a listening address opens: one per loop.</summary>
    internal int SocketsPerListener => Math.Max(1, _loops.Length);

    /// <summary>Starts reading a socket; dispose the result before the socket.</summary>
    internal IDisposable Start(DatagramSocket socket, IDatagramHandler handler) =>
        IsBatched ? StartOn((int)((uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length), socket, handler) : new PortableReceiveLoop(socket, handler);

    /// <summary>Starts reading a listening socket on one loop, the <paramref name="index"/>th of its address.</summary>
    internal IDisposable StartOn(int index, DatagramSocket socket, IDatagramHandler handler) =>
        IsBatched ? _loops[index % _loops.Length].Register(socket, handler) : new PortableReceiveLoop(socket, handler);

    /// <summary>Binds the listening sockets of one address: several sharing the port when there are several loops.</summary>
    internal Socket[] BindListener(IPEndPoint endPoint) => ListeningSockets.BindUdp(endPoint, SocketsPerListener);

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }
}
