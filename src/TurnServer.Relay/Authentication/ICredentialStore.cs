using TurnServer.Protocol.Attributes;

namespace TurnServer.Relay.Authentication;

/// <summary>Where the long-term keys come from: configured users, TURN REST API secrets, or both.</summary>
public interface ICredentialStore
{
    /// <summary>The most keys one username can have: a static user and every REST secret in rotation.</summary>
    const int MaxKeys = 8;

    /// <summary>
    /// Writes every key that may have signed a request from <paramref name="username"/> (several while
    /// REST secrets rotate), each <see cref="Protocol.Integrity.LongTermCredentials.KeyLength"/> bytes,
    /// one after another into <paramref name="keys"/>; returns how many. Zero means unknown or expired.
    /// </summary>
    int GetKeys(ReadOnlySpan<byte> username, PasswordAlgorithm algorithm, Span<byte> keys);

    /// <summary>Finds the username behind a USERHASH (RFC 8489 section 14.4); only configured users can be found.</summary>
    bool TryResolveUserhash(ReadOnlySpan<byte> userhash, out byte[] username);
}
