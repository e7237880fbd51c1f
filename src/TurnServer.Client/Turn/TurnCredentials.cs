using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TurnServer.Client.Turn;

/// <summary>Long-term credentials (RFC 8489 section 9.2): a username and password, as given or made from a TURN REST API secret.</summary>
public sealed record TurnCredentials(string Username, string Password)
{
    /// <summary>
    /// TURN REST API credentials (draft-uberti-behave-turn-rest): the username is the expiry in
    /// Unix seconds and an optional user id, the password base64(HMAC-SHA1(secret, username)).
    /// </summary>
    public static TurnCredentials FromSharedSecret(string secret, string? userId, TimeSpan lifetime, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var expiry = (time ?? TimeProvider.System).GetUtcNow().Add(lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var username = userId is null ? expiry : $"{expiry}:{userId}";
#pragma warning disable CA5350 // the REST API defines the password as HMAC-SHA1
        var password = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        return new TurnCredentials(username, password);
    }
}
