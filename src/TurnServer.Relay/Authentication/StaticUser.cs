using System.Globalization;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Relay.Authentication;

/// <summary>
/// A configured user, given like coturn's <c>user</c> option: <c>name:password</c>, or
/// <c>name:0x&lt;32 hex digits&gt;</c> for the MD5 key that <c>turnadmin -k</c> prints, so the password
/// need not be stored. A user given by key alone cannot use SHA-256 keys.
/// </summary>
public sealed class StaticUser
{
    private StaticUser(string name, byte[] md5Key, byte[]? sha256Key, byte[]? userhash)
    {
        Name = name;
        Md5Key = md5Key;
        Sha256Key = sha256Key;
        Userhash = userhash;
    }

    public string Name { get; }

    public byte[] Md5Key { get; }

    public byte[]? Sha256Key { get; }

    public byte[]? Userhash { get; }

    public static StaticUser Parse(string entry, string realm)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == entry.Length - 1)
        {
            throw new FormatException("a user is given as name:password or name:0x<md5 key in hex>");
        }

        var name = entry[..colon];
        var secret = entry[(colon + 1)..];
        if (secret.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && secret.Length == 34 && IsHex(secret.AsSpan(2)))
        {
            return new StaticUser(name, Convert.FromHexString(secret.AsSpan(2)), null, null);
        }

        return FromPassword(name, secret, realm);
    }

    public static StaticUser FromPassword(string name, string password, string realm)
    {
        var md5 = new byte[LongTermCredentials.Md5KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, name, realm, password, md5);
        var sha256 = new byte[LongTermCredentials.Sha256KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Sha256, name, realm, password, sha256);
        var userhash = new byte[LongTermCredentials.UserhashLength];
        LongTermCredentials.ComputeUserhash(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(realm), userhash);
        return new StaticUser(name, md5, sha256, userhash);
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Name.ToString(CultureInfo.InvariantCulture);
}
