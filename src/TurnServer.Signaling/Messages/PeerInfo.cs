using System.Text.Json;

namespace TurnServer.Signaling.Messages;

/// <summary>A registered peer as others see it: its id and the metadata it registered with.</summary>
public sealed record PeerInfo(string Peer, JsonElement? Metadata);
