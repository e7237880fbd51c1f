using System.Security.Cryptography;
using System.Text.Json;

namespace TurnServer.Coordinator.Candidates;

/// <summary>
/// What two peers exchange over signaling to connect: the attempt's id, the sender's check
/// credentials (ICE's ufrag and password: checks signed with them prove the sender saw this
/// description, so a stranger cannot answer for the peer), and its candidates.
/// </summary>
public sealed record SessionDescription(string Kind, string Session, string Ufrag, string Password, IReadOnlyList<Candidate> Candidates)
{
    public const string Offer = "offer";
    public const string Answer = "answer";

    /// <summary>Sent during a connection: the sender's candidates changed (its TURN allocation was made again, say).</summary>
    public const string Update = "update";

    /// <summary>Sent during a connection: the sender restarts (new credentials, candidates gathered again) and waits for a <see cref="RestartAnswer"/>.</summary>
    public const string Restart = "restart";

    public const string RestartAnswer = "restart-answer";

    private const int MaxSessionLength = 64;
    private const int MaxCredentialLength = 256;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The sender's NAT as its discovery named it, so the two sides can tell whether port prediction is needed.</summary>
    public string? Nat { get; init; }

    /// <summary>In a <see cref="RestartAnswer"/>: the ufrag of the restart it answers, so an answer to an earlier one is not taken for it.</summary>
    public string? Answers { get; init; }

    public static string NewSessionId() => RandomToken(12);

    public static (string Ufrag, string Password) NewCredentials() => (RandomToken(8), RandomToken(24));

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, Json);

    /// <summary>
    /// The description, or null when the data is not one: every field present, candidates that are
    /// objects with an address, and ICE's bounds on the credentials (RFC 8839 section 5.4: a ufrag of
    /// 4 to 256 characters, a password of 22 to 256; we take 16 and up, as our first versions sent).
    /// </summary>
    public static SessionDescription? FromJson(JsonElement data)
    {
        try
        {
            var description = data.Deserialize<SessionDescription>(Json);
            return description is { Kind: Offer or Answer or Update or Restart or RestartAnswer, Session.Length: > 0 and <= MaxSessionLength, Ufrag.Length: >= 4 and <= MaxCredentialLength, Password.Length: >= 16 and <= MaxCredentialLength, Candidates: not null, Answers: null or { Length: <= MaxCredentialLength } }
                && description.Candidates.All(c => c is { Address: not null, Protocol: Candidate.Udp or Candidate.Tcp })
                ? description
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string RandomToken(int length) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(length)).TrimEnd('=').Replace('+', 'x').Replace('/', 'y')[..length];
}
