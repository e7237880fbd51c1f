using System.Text.Json;

namespace TurnServer.Signaling.Hub;

/// <summary>What the hub keeps for one connected peer.</summary>
internal sealed class PeerState(ISignalingConnection connection, MessageRateLimiter rate)
{
    public ISignalingConnection Connection { get; } = connection;

    public MessageRateLimiter Rate { get; } = rate;

    public int RefusedInARow { get; set; }

    public bool Registered { get; set; }

    public JsonElement? Metadata { get; set; }

    public HashSet<string> Rooms { get; } = new(StringComparer.Ordinal);
}
