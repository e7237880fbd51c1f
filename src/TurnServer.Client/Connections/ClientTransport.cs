namespace TurnServer.Client.Connections;

/// <summary>How a client reaches a STUN or TURN server (the transport of RFC 7065's turn: and turns: URIs).</summary>
public enum ClientTransport
{
    Udp,
    Tcp,
    Tls,
}
