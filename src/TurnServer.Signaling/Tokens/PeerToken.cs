using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TurnServer.Signaling.Tokens;

/// <summary>
/// What a peer shows to connect to signaling: its id and an expiry, signed with the secret the
/// application's backend shares with the signaling service, as <c>expiry:peer-id:signature</c>
/// (Unix seconds, HMAC-SHA256 in base64url). The same scheme as TURN REST credentials, so one
/// backend call can hand out both; nobody can speak for a peer id without the secret.
/// </summary>
public static class PeerToken
{
    public const int MaxPeerIdLength = 64;

    public static string Issue(ReadOnlySpan<byte> secret, string peerId, DateTimeOffset expires)
    {
        if (!IsValidPeerId(peerId))
        {
            throw new ArgumentException("a peer id is 1 to 64 letters, digits, '.', '_', '~' or '-'", nameof(peerId));
        }

        var signed = string.Create(CultureInfo.InvariantCulture, $"{expires.ToUnixTimeSeconds()}:{peerId}");
        return $"{signed}:{Sign(secret, signed)}";
    }

    /// <summary>The peer id the token speaks for, or null when it is malformed, forged or expired.</summary>
    public static string? Validate(ReadOnlySpan<byte> secret, string? token, DateTimeOffset now)
    {
        if (token is null || token.Length > 256)
        {
            return null;
        }

        var firstColon = token.IndexOf(':', StringComparison.Ordinal);
        var lastColon = token.LastIndexOf(':');
        if (firstColon <= 0 || lastColon <= firstColon
            || !long.TryParse(token.AsSpan(0, firstColon), NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
        {
            return null;
        }

        var peerId = token[(firstColon + 1)..lastColon];
        var expected = Encoding.ASCII.GetBytes(Sign(secret, token[..lastColon]));
        var given = Encoding.ASCII.GetBytes(token[(lastColon + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, given) || !IsValidPeerId(peerId))
        {
            return null;
        }

        return expiry > now.ToUnixTimeSeconds() ? peerId : null;
    }

    public static bool IsValidPeerId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? peerId) =>
        peerId is { Length: > 0 and <= MaxPeerIdLength } && peerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-');

    private static string Sign(ReadOnlySpan<byte> secret, string signed)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(signed), mac);
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
