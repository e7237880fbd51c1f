using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurnServer.Signaling.Messages;

/// <summary>
/// One signaling message, a JSON object in one WebSocket text frame. <see cref="Type"/> says which
/// of the other members mean something; <see cref="Data"/> (what peers send each other: offers,
/// answers, candidates) and <see cref="Metadata"/> are the peers' own and passed on untouched.
/// </summary>
public sealed record SignalingMessage(string Type)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 16,
    };

    /// <summary>A request's id, chosen by the peer and echoed in the answer or error, so answers cannot be taken for another request's.</summary>
    public string? Id { get; init; }

    public string? Peer { get; init; }

    public string? To { get; init; }

    public string? From { get; init; }

    public string? Room { get; init; }

    public JsonElement? Metadata { get; init; }

    public JsonElement? Data { get; init; }

    public IReadOnlyList<PeerInfo>? Peers { get; init; }

    public string? Code { get; init; }

    public string? Message { get; init; }

    public static SignalingMessage ErrorOf(string code, string message) => new(MessageType.Error) { Code = code, Message = message };

    /// <summary>The message, or null when the bytes are not a JSON object with a string <c>type</c>.</summary>
    public static SignalingMessage? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var message = JsonSerializer.Deserialize<SignalingMessage>(utf8, Json);
            return message?.Type is null ? null : message;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}
