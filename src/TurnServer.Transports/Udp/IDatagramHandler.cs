using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Framing;

namespace TurnServer.Transports.Udp;

/// <summary>What a receive loop hands each datagram of one socket to: a listener or a relay endpoint.</summary>
internal interface IDatagramHandler
{
    /// <summary>
    /// The datagram is <paramref name="buffer"/>[<paramref name="offset"/>..][..<paramref name="length"/>],
    /// with <see cref="PeerDataFraming.Headroom"/> free bytes before it and
    /// <see cref="PeerDataFraming.Tailroom"/> after, so it can be framed in place. Must not throw.
    /// </summary>
    void Handle(DatagramSocket receivedOn, Span<byte> buffer, int offset, int length, in TransportAddress from);

    /// <summary>Datagrams this long or longer are dropped and counted, as possibly cut short.</summary>
    int MaxDatagram { get; }

    /// <summary>The socket can no longer receive; the loop has stopped reading it.</summary>
    void Fail(string error);
}
