using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Relay.Authentication;

/// <summary>Configured users and, optionally, REST API secrets; a name may match both.</summary>
public sealed class CredentialStore : ICredentialStore
{
    private readonly Dictionary<string, StaticUser> _users;
    private readonly Dictionary<string, StaticUser>.AlternateLookup<ReadOnlySpan<char>> _usersByChars;
    private readonly StaticUser[] _hashable;
    private readonly RestApiSecrets? _rest;

    public CredentialStore(IEnumerable<StaticUser> users, RestApiSecrets? rest)
    {
        _users = new Dictionary<string, StaticUser>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (!_users.TryAdd(user.Name, user))
            {
                throw new ArgumentException($"user '{user.Name}' is given twice.");
            }
        }

        _usersByChars = _users.GetAlternateLookup<ReadOnlySpan<char>>();
        _hashable = [.. _users.Values.Where(u => u.Userhash is not null)];
        _rest = rest;
    }

    public IReadOnlyCollection<StaticUser> Users => _users.Values;

    public RestApiSecrets? Rest => _rest;

    public int GetKeys(ReadOnlySpan<byte> username, PasswordAlgorithm algorithm, Span<byte> keys)
    {
        var count = 0;
        var keyLength = LongTermCredentials.KeyLength(algorithm);
        if (TryFindUser(username, out var user))
        {
            var key = algorithm == PasswordAlgorithm.Sha256 ? user.Sha256Key : user.Md5Key;
            if (key is not null)
            {
                key.CopyTo(keys);
                count++;
            }
        }

        if (_rest is not null)
        {
            count += _rest.GetKeys(username, algorithm, keys[(count * keyLength)..]);
        }

        return count;
    }

    public bool TryResolveUserhash(ReadOnlySpan<byte> userhash, out byte[] username)
    {
        foreach (var user in _hashable)
        {
            if (userhash.SequenceEqual(user.Userhash))
            {
                username = Encoding.UTF8.GetBytes(user.Name);
                return true;
            }
        }

        username = [];
        return false;
    }

    private bool TryFindUser(ReadOnlySpan<byte> username, out StaticUser user)
    {
        user = null!;
        Span<char> chars = stackalloc char[514];
        return username.Length <= chars.Length
            && Encoding.UTF8.TryGetChars(username, chars, out var written)
            && _usersByChars.TryGetValue(chars[..written], out user!);
    }
}
