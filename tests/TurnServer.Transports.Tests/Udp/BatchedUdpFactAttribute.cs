using TurnServer.Transports.Udp.Linux;

namespace TurnServer.Transports.Tests.Udp;

/// <summary>A test of the batched UDP calls, which exist on 64-bit Linux only.</summary>
internal sealed class BatchedUdpFactAttribute : FactAttribute
{
    public BatchedUdpFactAttribute()
    {
        if (!LinuxSocketCalls.IsSupported)
        {
            Skip = "recvmmsg, sendmmsg and epoll are 64-bit Linux calls";
        }
    }
}
