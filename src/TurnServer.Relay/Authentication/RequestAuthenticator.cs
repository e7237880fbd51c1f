using System.Security.Cryptography;
using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Authentication;

/// <summary>The verified identity of a request: its username and the key that signed it.</summary>
public readonly ref struct VerifiedCredentials(ReadOnlySpan<byte> username, ReadOnlySpan<byte> key, bool sha256Integrity)
{
    public ReadOnlySpan<byte> Username { get; } = username;

    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The request used MESSAGE-INTEGRITY-SHA256, so the response must too.</summary>
    public bool Sha256Integrity { get; } = sha256Integrity;
}

/// <summary>
/// The server side of the long-term credential mechanism (RFC 8489 section 9.2.4), with SHA-256 keys,
/// MESSAGE-INTEGRITY-SHA256, PASSWORD-ALGORITHMS and USERHASH offered beside what SHA-1-only clients
/// use. An unknown user costs the same work as a wrong password, so timing does not reveal names.
/// </summary>
public sealed class RequestAuthenticator
{
    /// <summary>Room for every candidate key of one username.</summary>
    public const int KeyBufferLength = ICredentialStore.MaxKeys * LongTermCredentials.Sha256KeyLength;

    private static readonly PasswordAlgorithm[] OfferedAlgorithms = [PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5];

    private readonly ICredentialStore _credentials;
    private readonly NonceService _nonces;
    private readonly byte[] _realm;
    private readonly byte[] _offeredAlgorithmsValue;
    private readonly byte[] _decoyKey = RandomNumberGenerator.GetBytes(LongTermCredentials.Sha256KeyLength);

    public RequestAuthenticator(ICredentialStore credentials, NonceService nonces, string realm)
    {
        _credentials = credentials;
        _nonces = nonces;
        _realm = Encoding.UTF8.GetBytes(realm);
        _offeredAlgorithmsValue = [.. OfferedAlgorithms.SelectMany(a => new byte[] { 0, (byte)a, 0, 0 })];
    }

    public ReadOnlySpan<byte> Realm => _realm;

    public NonceService Nonces => _nonces;

    /// <summary>The algorithms a 401 offers when the nonce carries the security feature cookie.</summary>
    public static ReadOnlySpan<PasswordAlgorithm> Algorithms => OfferedAlgorithms;

    /// <param name="keyBuffer">At least <see cref="KeyBufferLength"/> bytes; the verified key ends up in it.</param>
    public AuthenticationOutcome Authenticate(in StunMessage request, in FiveTuple fiveTuple, Span<byte> keyBuffer, out VerifiedCredentials credentials)
    {
        credentials = default;
        var hasSha256 = request.HasMessageIntegritySha256;
        if (!request.HasMessageIntegrity && !hasSha256)
        {
            return AuthenticationOutcome.Challenge;
        }

        var hasUsername = request.TryGetAttribute(StunAttributeType.Username, out var username);
        var hasUserhash = request.TryGetAttribute(StunAttributeType.Userhash, out var userhash);
        if ((!hasUsername && !hasUserhash)
            || !request.TryGetAttribute(StunAttributeType.Realm, out var realm)
            || !request.TryGetAttribute(StunAttributeType.Nonce, out var nonce))
        {
            return AuthenticationOutcome.BadRequest;
        }

        switch (_nonces.Validate(nonce, fiveTuple))
        {
            case NonceStatus.Stale:
                return AuthenticationOutcome.StaleNonce;
            case NonceStatus.Invalid:
                return AuthenticationOutcome.ForeignNonce;
        }

        if (!TryChooseAlgorithm(request, nonce, out var algorithm))
        {
            return AuthenticationOutcome.BadRequest;
        }

        if (!hasUsername)
        {
            // An unknown hash goes on as an unknown name, to be checked against the decoy like one.
            username = userhash.Length == LongTermCredentials.UserhashLength && _credentials.TryResolveUserhash(userhash, out var resolved) ? resolved : default;
        }

        // An unknown name is checked against a key nobody has, through the same steps as a known
        // one, so a guesser cannot tell from the time a 401 takes whether the name exists.
        var keyLength = LongTermCredentials.KeyLength(algorithm);
        var keyCount = realm.SequenceEqual(_realm) ? _credentials.GetKeys(username, algorithm, keyBuffer) : 0;
        var known = keyCount > 0;
        if (!known)
        {
            _decoyKey.AsSpan(0, keyLength).CopyTo(keyBuffer);
            keyCount = 1;
        }

        for (var i = 0; i < keyCount; i++)
        {
            var key = keyBuffer.Slice(i * keyLength, keyLength);
            if ((hasSha256 ? request.VerifyMessageIntegritySha256(key) : request.VerifyMessageIntegrity(key)) && known)
            {
                credentials = new VerifiedCredentials(username, key, hasSha256);
                return AuthenticationOutcome.Authenticated;
            }
        }

        return AuthenticationOutcome.Unauthorized;
    }

    /// <summary>
    /// RFC 8489 section 9.2.4: a client that saw the security feature cookie echoes PASSWORD-ALGORITHMS
    /// unchanged and names its choice in PASSWORD-ALGORITHM; a client that sends neither uses MD5.
    /// </summary>
    private bool TryChooseAlgorithm(in StunMessage request, ReadOnlySpan<byte> nonce, out PasswordAlgorithm algorithm)
    {
        algorithm = PasswordAlgorithm.Md5;
        var hasList = request.TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var list);
        var hasChoice = request.TryGetPasswordAlgorithm(out var chosen, out _);
        if (!hasList && !hasChoice)
        {
            return !request.HasAttribute(StunAttributeType.PasswordAlgorithm);
        }

        if (!hasList || !hasChoice || !_nonces.HasSecurityFeatures(nonce) || !list.SequenceEqual(_offeredAlgorithmsValue)
            || Array.IndexOf(OfferedAlgorithms, chosen) < 0)
        {
            return false;
        }

        algorithm = chosen;
        return true;
    }
}
