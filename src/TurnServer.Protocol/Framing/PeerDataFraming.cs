using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Framing;

/// <summary>
/// The room a relay keeps around a peer's datagram in its receive buffer so that it can be framed for
/// the client in place, as ChannelData or as a Data indication, whichever needs more: the
/// indication's header, XOR-PEER-ADDRESS (an IPv6 address at most) and DATA's attribute header in
/// front, and up to three bytes of padding behind.
/// </summary>
public static class PeerDataFraming
{
    public const int Headroom = StunConstants.HeaderLength + (2 * StunConstants.AttributeHeaderLength) + 20;

    public const int Tailroom = 3;
}
