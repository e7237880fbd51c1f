namespace TurnServer.Signaling.Messages;

/// <summary>The <c>type</c> of each signaling message, as it is on the wire.</summary>
public static class MessageType
{
    // From a peer to the service.
    public const string Register = "register";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Discover = "discover";
    public const string Signal = "signal";
    public const string Ping = "ping";

    // From the service to a peer; "signal" too, with "from" in place of "to".
    public const string Registered = "registered";
    public const string Joined = "joined";
    public const string PeerJoined = "peer-joined";
    public const string PeerLeft = "peer-left";
    public const string Peers = "peers";
    public const string Pong = "pong";
    public const string Error = "error";
}
