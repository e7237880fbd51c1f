using System.Globalization;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Relay.Authentication;

namespace TurnServer.Host.Configuration;

/// <summary>
/// What coturn's turnadmin does for credentials, without a database:
/// <c>turnserver credentials --secret S [--user ID] [--ttl SECONDS]</c> makes TURN REST API
/// credentials (what an application's backend hands its clients), and
/// <c>turnserver password-key --user U --realm R --password P</c> prints the key to store in place
/// of a password (<c>user = ["U:0x..."]</c>), as <c>turnadmin -k</c> does;
/// <c>turnserver signaling-token --secret S --peer ID [--ttl SECONDS]</c> makes the token a peer
/// connects to signaling with.
/// </summary>
internal static class CredentialsCommands
{
    public static int Credentials(IReadOnlyList<string> args, TextWriter output, TextWriter errors, TimeProvider time)
    {
        if (Options(args, ["secret", "user", "ttl"], errors) is not { } options || !options.TryGetValue("secret", out var secret))
        {
            errors.WriteLine("usage: turnserver credentials --secret SECRET [--user ID] [--ttl SECONDS]");
            return 2;
        }

        var ttl = options.TryGetValue("ttl", out var text) ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : 86400;
        var expiry = time.GetUtcNow().AddSeconds(ttl).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var username = options.TryGetValue("user", out var user) ? $"{expiry}:{user}" : expiry;
        var credential = new RestApiSecrets([secret], "unused", time).PasswordFor(username);
        output.WriteLine($"username={username}");
        output.WriteLine($"credential={credential}");
        return 0;
    }

    public static int SignalingToken(IReadOnlyList<string> args, TextWriter output, TextWriter errors, TimeProvider time)
    {
        if (Options(args, ["secret", "peer", "ttl"], errors) is not { } options || !options.TryGetValue("secret", out var secret) || !options.TryGetValue("peer", out var peer))
        {
            errors.WriteLine("usage: turnserver signaling-token --secret SECRET --peer ID [--ttl SECONDS]");
            return 2;
        }

        if (!TurnServer.Signaling.Tokens.PeerToken.IsValidPeerId(peer))
        {
            errors.WriteLine("turnserver: a peer id is 1 to 64 letters, digits, '.', '_', '~' or '-'");
            return 2;
        }

        var ttl = options.TryGetValue("ttl", out var text) ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : 86400;
        output.WriteLine(TurnServer.Signaling.Tokens.PeerToken.Issue(System.Text.Encoding.UTF8.GetBytes(secret), peer, time.GetUtcNow().AddSeconds(ttl)));
        return 0;
    }

    public static int PasswordKey(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (Options(args, ["user", "realm", "password"], errors) is not { } options
            || !options.TryGetValue("user", out var user) || !options.TryGetValue("realm", out var realm) || !options.TryGetValue("password", out var password))
        {
            errors.WriteLine("usage: turnserver password-key --user NAME --realm REALM --password PASSWORD");
            return 2;
        }

        Span<byte> key = stackalloc byte[LongTermCredentials.Md5KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, user, realm, password, key);
        output.WriteLine("0x" + Convert.ToHexStringLower(key));
        return 0;
    }

    /// <summary>--name value or --name=value pairs, each name one of those allowed; null (and a message) otherwise.</summary>
    private static Dictionary<string, string>? Options(IReadOnlyList<string> args, string[] allowed, TextWriter errors)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                errors.WriteLine($"turnserver: unexpected '{arg}'");
                return null;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (!allowed.Contains(name))
            {
                errors.WriteLine($"turnserver: unknown option '--{name}'");
                return null;
            }

            if (equals > 0)
            {
                options[name] = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                options[name] = args[++i];
            }
            else
            {
                errors.WriteLine($"turnserver: --{name} needs a value");
                return null;
            }
        }

        return options;
    }
}
