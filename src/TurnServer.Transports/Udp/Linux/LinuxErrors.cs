using System.Net.Sockets;

namespace TurnServer.Transports.Udp.Linux;

/// <summary>Linux errno values (the generic table x86-64 and Arm64 share) as .NET's socket errors.</summary>
internal static class LinuxErrors
{
    public static SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,
        9 => SocketError.NotSocket,
        12 or 105 => SocketError.NoBufferSpaceAvailable,
        22 => SocketError.InvalidArgument,
        24 => SocketError.TooManyOpenSockets,
        90 => SocketError.MessageSize,
        98 => SocketError.AddressAlreadyInUse,
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        104 => SocketError.ConnectionReset,
        110 => SocketError.TimedOut,
        111 => SocketError.ConnectionRefused,
        112 => SocketError.HostDown,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    public static SocketException ToException(int errno) => new((int)ToSocketError(errno));
}
