using System.Buffers.Text;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Relay.Authentication;

/// <summary>
/// TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest, coturn's use-auth-secret): the
/// username is <c>expiry[:userid]</c> with expiry in Unix seconds, the password is
/// base64(HMAC-SHA1(secret, username)). Several secrets are accepted at once so they can be rotated.
/// </summary>
public sealed class RestApiSecrets
{
    private const int Base64HmacLength = 28;
    private readonly byte[][] _secrets;
    private readonly byte[] _realm;
    private readonly TimeProvider _time;

    public RestApiSecrets(IEnumerable<string> secrets, string realm, TimeProvider time)
    {
        _secrets = [.. secrets.Select(Encoding.UTF8.GetBytes)];
        if (_secrets.Length is 0 or >= ICredentialStore.MaxKeys)
        {
            throw new ArgumentException($"static-auth-secret: give 1 to {ICredentialStore.MaxKeys - 1} secrets.");
        }

        _realm = Encoding.UTF8.GetBytes(realm);
        _time = time;
    }

    public int Count => _secrets.Length;

    /// <summary>The password a REST client derives for a username with the first (current) secret.</summary>
    public string PasswordFor(string username)
    {
        Span<byte> password = stackalloc byte[Base64HmacLength];
        return Encoding.ASCII.GetString(Password(_secrets[0], Encoding.UTF8.GetBytes(username), password));
    }

    /// <summary>Writes one key per secret; none when the username is not a REST name or has expired.</summary>
    public int GetKeys(ReadOnlySpan<byte> username, PasswordAlgorithm algorithm, Span<byte> keys)
    {
        if (!TryReadExpiry(username, out var expiry) || expiry <= _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return 0;
        }

        var keyLength = LongTermCredentials.KeyLength(algorithm);
        Span<byte> password = stackalloc byte[Base64HmacLength];
        for (var i = 0; i < _secrets.Length; i++)
        {
            LongTermCredentials.DeriveKey(algorithm, username, _realm, Password(_secrets[i], username, password), keys.Slice(i * keyLength, keyLength));
        }

        return _secrets.Length;
    }

    private static Span<byte> Password(byte[] secret, ReadOnlySpan<byte> username, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[Hmac.Sha1Length];
        Hmac.Sha1(secret, username, mac);
        Base64.EncodeToUtf8(mac, destination, out _, out var written);
        return destination[..written];
    }

    // The expiry is the digits before the first ':' (or the whole name).
    private static bool TryReadExpiry(ReadOnlySpan<byte> username, out long expiry)
    {
        var colon = username.IndexOf((byte)':');
        var digits = colon < 0 ? username : username[..colon];
        return Utf8Parser.TryParse(digits, out expiry, out var consumed) && consumed == digits.Length && digits.Length > 0;
    }
}
