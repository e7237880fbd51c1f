using TurnServer.Client.Connections;

namespace TurnServer.Coordinator.Servers;

/// <summary>
/// A STUN or TURN server as a WebRTC application names it (<c>RTCIceServer</c>): URLs such as
/// <c>stun:stun.example.com</c>, <c>turn:turn.example.com:3478?transport=tcp</c> or
/// <c>turns:turn.example.com:443</c> (RFC 7064, RFC 7065), with host names or addresses, and the
/// TURN credentials they share.
/// </summary>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null)
{
    public IceServer(string url, string? username = null, string? credential = null)
        : this([url], username, credential)
    {
    }

    /// <summary>
    /// How a <c>turns:</c> server's certificate is checked; by default, by the URL's host name
    /// against the system's trust store, as a browser does.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }
}
