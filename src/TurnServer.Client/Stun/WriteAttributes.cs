using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Stun;

/// <summary>Adds a request's own attributes; the client adds credentials and FINGERPRINT after them.</summary>
internal delegate void WriteAttributes(ref StunMessageWriter writer);
