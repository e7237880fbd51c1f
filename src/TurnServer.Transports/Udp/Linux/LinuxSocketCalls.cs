using System.Runtime.InteropServices;

namespace TurnServer.Transports.Udp.Linux;

/// <summary>
/// The Linux calls .NET's sockets do not expose: recvmmsg and sendmmsg move many datagrams per system
/// call, and an epoll set of our own lets a few threads serve every relay socket. "libc" is mapped by
/// the runtime to the C library's real file name.
/// </summary>
internal static unsafe partial class LinuxSocketCalls
{
    public const int MessageDontWait = 0x40;
    public const int MessageTruncated = 0x20;
    public const int EpollCloseOnExec = 0x80000;
    public const int EpollAdd = 1;
    public const int EpollDelete = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollHangUp = 0x010;
    public const uint EpollReadHangUp = 0x2000;
    public const int ErrorInterrupted = 4;
    public const int ErrorWouldBlock = 11;
    public const int ErrorBadDescriptor = 9;
    public const int AddressFamilyIPv4 = 2;
    public const int AddressFamilyIPv6 = 10;

    /// <summary>sockaddr_in6 is the largest address a UDP socket reports: 28 bytes, kept 8-aligned.</summary>
    public const int SocketAddressStride = 32;

    /// <summary>Only 64-bit x64 and Arm64 are laid out here; anything else uses the portable loops.</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>struct epoll_event is packed to 12 bytes on x86-64 and naturally aligned to 16 elsewhere.</summary>
    public static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static int EpollEventDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int ReceiveMessages(int socket, MultipleMessageHeader* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMessages(int socket, MultipleMessageHeader* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollControl(int epoll, int operation, int socket, byte* epollEvent);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int descriptor);
}

/// <summary>struct iovec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IOVector
{
    public byte* Base;
    public nuint Length;
}

/// <summary>struct msghdr (64-bit layout: 56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public byte* Name;
    public uint NameLength;
    public IOVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>struct mmsghdr: one message of a recvmmsg or sendmmsg vector and the bytes it moved.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MultipleMessageHeader
{
    public MessageHeader Header;
    public uint Length;
}
