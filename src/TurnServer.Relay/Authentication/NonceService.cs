using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Integrity;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Authentication;

/// <summary>
/// Stateless nonces (RFC 8489 section 9.2): the issue time and an HMAC over it and the whole five-tuple
/// (client IP and port, server address, transport), so there is no nonce table for a flood to grow and
/// its age is known. A captured request cannot be replayed from anywhere else: not from another port
/// of the same IP (everyone behind one CGNAT or office NAT shares it), nor over another transport or
/// to another listener, since there its nonce is not valid (438). A retransmission from the same
/// five-tuple is the client's own. With <c>securityFeatures</c> the nonce starts with the RFC 8489 nonce
/// cookie, telling clients the server offers PASSWORD-ALGORITHMS and USERHASH.
/// <para>
/// The nonce is short because every 401 carries it, and a 401 is what a spoofed request reflects: 24
/// bytes with the cookie keep the challenge to a 28-byte Allocate under 3.5 times its size. A 32-bit
/// MAC is enough for what it proves: a forged nonce still needs the user's key for MESSAGE-INTEGRITY,
/// and a captured request's nonce cannot be swapped, since the integrity covers it. Guessing one
/// costs a rate-limited request per try, 2^31 on average, and wins nothing but the 401 round trip.
/// </para>
/// </summary>
public sealed class NonceService
{
    /// <summary>"obMatJos2" and the 24-bit feature set, base64 (the cookie itself is plain base64): password algorithms and username anonymity.</summary>
    private static ReadOnlySpan<byte> CookieWithFeatures => "obMatJos2wAAA"u8;

    private const int TimestampLength = 4;
    private const int MacLength = 4;
    private const int PayloadLength = TimestampLength + MacLength;

    // Unpadded base64url of the 8 payload bytes.
    private const int EncodedPayloadLength = 11;

    private const int AddressFieldLength = 1 + sizeof(ushort) + TransportAddress.IPv6Length;

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

    /// <summary>Every nonce has this length: the cookie when offered, then the time and MAC in unpadded base64url.</summary>
    public int Length => (_securityFeatures ? CookieWithFeatures.Length : 0) + EncodedPayloadLength;

    /// <summary>Writes a fresh nonce of <see cref="Length"/> bytes, valid on this five-tuple only.</summary>
    public void Write(in FiveTuple fiveTuple, Span<byte> destination)
    {
        var prefix = _securityFeatures ? CookieWithFeatures : [];
        prefix.CopyTo(destination);
        Span<byte> payload = stackalloc byte[PayloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)_time.GetUtcNow().ToUnixTimeSeconds());
        Sign(payload[..TimestampLength], fiveTuple, payload[TimestampLength..]);
        Base64Url.EncodeToUtf8(payload, destination[prefix.Length..], out _, out _);
    }

    public NonceStatus Validate(ReadOnlySpan<byte> nonce, in FiveTuple fiveTuple)
    {
        var prefix = _securityFeatures ? CookieWithFeatures : [];
        if (!nonce.StartsWith(prefix) || nonce.Length != Length)
        {
            return NonceStatus.Invalid;
        }

        Span<byte> payload = stackalloc byte[PayloadLength];
        if (Base64Url.DecodeFromUtf8(nonce[prefix.Length..], payload, out _, out var decoded) != System.Buffers.OperationStatus.Done || decoded != PayloadLength)
        {
            return NonceStatus.Invalid;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Sign(payload[..TimestampLength], fiveTuple, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, payload[TimestampLength..]))
        {
            return NonceStatus.Invalid;
        }

        var age = _time.GetUtcNow().ToUnixTimeSeconds() - BinaryPrimitives.ReadUInt32BigEndian(payload);
        return age >= 0 && age < _lifetimeSeconds ? NonceStatus.Valid : NonceStatus.Stale;
    }

    /// <summary>Whether a nonce carries the RFC 8489 security feature cookie.</summary>
    public bool HasSecurityFeatures(ReadOnlySpan<byte> nonce) => _securityFeatures && nonce.StartsWith(CookieWithFeatures);

    // Time, transport, then each address as family, port and address bytes: at most 43 bytes, which
    // costs the HMAC the same two SHA-256 blocks as the time and client IP alone did.
    private void Sign(ReadOnlySpan<byte> timestamp, in FiveTuple fiveTuple, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[TimestampLength + 1 + (2 * AddressFieldLength)];
        timestamp.CopyTo(input);
        var length = TimestampLength;
        input[length++] = (byte)fiveTuple.Protocol;
        length += WriteAddress(fiveTuple.Client, input[length..]);
        length += WriteAddress(fiveTuple.Server, input[length..]);
        Span<byte> full = stackalloc byte[Hmac.Sha256Length];
        Hmac.Sha256(_secret, input[..length], full);
        full[..MacLength].CopyTo(mac);
    }

    private static int WriteAddress(in TransportAddress address, Span<byte> destination)
    {
        destination[0] = (byte)address.Family;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], address.Port);
        return 1 + sizeof(ushort) + address.WriteAddressBytes(destination[3..]);
    }
}

public enum NonceStatus
{
    Valid,
    Stale,
    Invalid,
}
