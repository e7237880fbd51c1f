using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Integrity;

namespace TurnServer.Relay.Authentication;

/// <summary>
/// Stateless nonces (RFC 8489 section 9.2): the issue time and an HMAC over it and the client's IP, so
/// there is no nonce table for a flood to grow, a nonce cannot be moved to another client, and its age
/// is known. With <c>securityFeatures</c> the nonce starts with the RFC 8489 nonce cookie, telling
/// clients the server offers PASSWORD-ALGORITHMS and USERHASH.
/// </summary>
public sealed class NonceService
{
    /// <summary>"obMatJos2" and the 24-bit feature set, base64: password algorithms and username anonymity.</summary>
    private static ReadOnlySpan<byte> CookieWithFeatures => "obMatJos2wAAA"u8;

    private const int TimestampLength = 4;
    private const int MacLength = 14;
    private const int PayloadLength = TimestampLength + MacLength;

    private const int EncodedPayloadLength = 24;

    private readonly byte[] _secret;
    private readonly long _lifetimeSeconds;
    private readonly bool _securityFeatures;
    private readonly TimeProvider _time;

    public NonceService(TimeSpan lifetime, bool securityFeatures, TimeProvider time)
    {
        _secret = RandomNumberGenerator.GetBytes(32);
        _lifetimeSeconds = (long)lifetime.TotalSeconds;
        _securityFeatures = securityFeatures;
        _time = time;
    }

    /// <summary>Every nonce has this length: the cookie when offered, and 18 payload bytes in base64.</summary>
    public int Length => (_securityFeatures ? CookieWithFeatures.Length : 0) + EncodedPayloadLength;

    /// <summary>Writes a fresh nonce of <see cref="Length"/> bytes for the client.</summary>
    public void Write(in TransportAddress client, Span<byte> destination)
    {
        var prefix = _securityFeatures ? CookieWithFeatures : [];
        prefix.CopyTo(destination);
        Span<byte> payload = stackalloc byte[PayloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)_time.GetUtcNow().ToUnixTimeSeconds());
        Sign(payload[..TimestampLength], client, payload[TimestampLength..]);
        Base64.EncodeToUtf8(payload, destination[prefix.Length..], out _, out _);
    }

    public NonceStatus Validate(ReadOnlySpan<byte> nonce, in TransportAddress client)
    {
        var prefix = _securityFeatures ? CookieWithFeatures : [];
        if (!nonce.StartsWith(prefix) || nonce.Length != Length)
        {
            return NonceStatus.Invalid;
        }

        Span<byte> payload = stackalloc byte[PayloadLength];
        if (Base64.DecodeFromUtf8(nonce[prefix.Length..], payload, out _, out var decoded) != System.Buffers.OperationStatus.Done || decoded != PayloadLength)
        {
            return NonceStatus.Invalid;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Sign(payload[..TimestampLength], client, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, payload[TimestampLength..]))
        {
            return NonceStatus.Invalid;
        }

        var age = _time.GetUtcNow().ToUnixTimeSeconds() - BinaryPrimitives.ReadUInt32BigEndian(payload);
        return age >= 0 && age < _lifetimeSeconds ? NonceStatus.Valid : NonceStatus.Stale;
    }

    /// <summary>Whether a nonce carries the RFC 8489 security feature cookie.</summary>
    public bool HasSecurityFeatures(ReadOnlySpan<byte> nonce) => _securityFeatures && nonce.StartsWith(CookieWithFeatures);

    private void Sign(ReadOnlySpan<byte> timestamp, in TransportAddress client, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[TimestampLength + 1 + TransportAddress.IPv6Length];
        timestamp.CopyTo(input);
        input[TimestampLength] = (byte)client.Family;
        var addressLength = client.WriteAddressBytes(input[(TimestampLength + 1)..]);
        Span<byte> full = stackalloc byte[Hmac.Sha256Length];
        Hmac.Sha256(_secret, input[..(TimestampLength + 1 + addressLength)], full);
        full[..MacLength].CopyTo(mac);
    }
}

public enum NonceStatus
{
    Valid,
    Stale,
    Invalid,
}
