using System.Net;

namespace TurnServer.Host.Configuration;

/// <summary>Where the signaling WebSocket listens and the secret its peer tokens are signed with.</summary>
public sealed record SignalingSettings(IPEndPoint EndPoint, string Secret);
