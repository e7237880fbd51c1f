using System.Net;
using System.Net.Sockets;
using TurnServer.Transports;

namespace TurnServer.Transports.Tests.Udp;

public sealed class ListeningSocketsTests
{
    [BatchedUdpFact]
    public void SeveralSocketsOfOneAddress_ShareItsPort()
    {
        var sockets = ListeningSockets.BindUdp(new IPEndPoint(IPAddress.Loopback, 0), 3);
        try
        {
            Assert.Equal(3, sockets.Length);
            Assert.Single(sockets.Select(s => s.LocalEndPoint).Distinct());
        }
        finally
        {
            Array.ForEach(sockets, s => s.Dispose());
        }
    }

    [BatchedUdpFact]
    public void APortAnotherSocketHolds_FailsAsForOneSocket_EvenIfThatOneSharesIt()
    {
        var held = ListeningSockets.BindUdp(new IPEndPoint(IPAddress.Loopback, 0), 2);
        try
        {
            var e = Assert.Throws<SocketException>(() => ListeningSockets.BindUdp((IPEndPoint)held[0].LocalEndPoint!, 2));
            Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        }
        finally
        {
            Array.ForEach(held, s => s.Dispose());
        }
    }
}
