using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TurnServer.Protocol.Integrity;

/// <summary>
/// HMAC-SHA1 and HMAC-SHA256 (RFC 2104) for MESSAGE-INTEGRITY, nonces and REST credentials, at a fraction
/// of the one-shot <c>HMACSHA1.HashData</c>'s cost. Every STUN request and response is MACed with its
/// own user's key, so no keyed context can be kept; the one-shot sets OpenSSL's MAC machinery up and
/// tears it down on every call, several times the cost of hashing a 100-byte message. This builds the
/// RFC's construction, H((K ^ opad) || H((K ^ ipad) || data)), on a plain hash: OpenSSL's low-level
/// digests where <see cref="LibCryptoDigests"/> finds them, else a .NET hash each thread keeps and resets.
/// </summary>
public static class Hmac
{
    public const int Sha1Length = 20;
    public const int Sha256Length = 32;

    // SHA-1 and SHA-256 both work on 64-byte blocks.
    private const int BlockLength = 64;
    private const ulong InnerPad = 0x3636363636363636;
    private const ulong OuterPad = 0x5c5c5c5c5c5c5c5c;

    [ThreadStatic]
    private static IncrementalHash? t_sha1;

    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    /// <summary>Writes HMAC-SHA1 (20 bytes) of <paramref name="data"/> to the start of <paramref name="mac"/>.</summary>
    public static void Sha1(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac) =>
        Compute(sha256: false, key, data, mac, LibCryptoDigests.IsAvailable);

    /// <summary>Writes HMAC-SHA256 (32 bytes) of <paramref name="data"/> to the start of <paramref name="mac"/>.</summary>
    public static void Sha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac) =>
        Compute(sha256: true, key, data, mac, LibCryptoDigests.IsAvailable);

    /// <summary>The HMAC on the backend of the caller's choice: tests hold both to the same answers.</summary>
    internal static void Compute(bool sha256, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac, bool useLibCrypto)
    {
        var hashLength = sha256 ? Sha256Length : Sha1Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(mac.Length, hashLength, nameof(mac));
        useLibCrypto &= LibCryptoDigests.IsAvailable; // its function pointers are null without it

        var hash = new HashRun(sha256, useLibCrypto, stackalloc byte[LibCryptoDigests.ContextLength]);
        Span<byte> pad = stackalloc byte[BlockLength];
        Span<byte> inner = stackalloc byte[Sha256Length];
        try
        {
            pad.Clear();
            if (key.Length > BlockLength)
            {
                hash.Append(key);
                hash.Finish(pad);
            }
            else
            {
                key.CopyTo(pad);
            }

            var words = MemoryMarshal.Cast<byte, ulong>(pad);
            Xor(words, InnerPad);
            hash.Append(pad);
            hash.Append(data);
            hash.Finish(inner);

            Xor(words, InnerPad ^ OuterPad);
            hash.Append(pad);
            hash.Append(inner[..hashLength]);
            hash.Finish(mac);
        }
        catch
        {
            hash.Abandon();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pad);
            CryptographicOperations.ZeroMemory(inner);
            hash.Clear();
        }
    }

    private static void Xor(Span<ulong> words, ulong pad)
    {
        foreach (ref var word in words)
        {
            word ^= pad;
        }
    }

    /// <summary>One hash after another over the same context; each <see cref="Finish"/> readies the next.</summary>
    private ref struct HashRun
    {
        private readonly bool _sha256;
        private readonly Span<byte> _context;
        private readonly IncrementalHash? _managed;
        private bool _started;

        public HashRun(bool sha256, bool useLibCrypto, Span<byte> context)
        {
            _sha256 = sha256;
            _context = context;
            _managed = useLibCrypto ? null : sha256 ? (t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256)) : (t_sha1 ??= CreateSha1());
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_managed is not null)
            {
                _managed.AppendData(data);
                return;
            }

            if (!_started)
            {
                LibCryptoDigests.Start(_sha256, _context);
                _started = true;
            }

            LibCryptoDigests.Append(_sha256, _context, data);
        }

        public void Finish(Span<byte> digest)
        {
            if (_managed is not null)
            {
                _managed.GetHashAndReset(digest);
                return;
            }

            LibCryptoDigests.Finish(_sha256, _context, digest);
            _started = false;
        }

        /// <summary>A .NET hash that failed part-way holds a half-hashed state: the thread's next HMAC starts afresh.</summary>
        public readonly void Abandon()
        {
            if (_managed is null)
            {
                return;
            }

            _managed.Dispose();
            if (_sha256)
            {
                t_sha256 = null;
            }
            else
            {
                t_sha1 = null;
            }
        }

        /// <summary>The context held the key's padded state.</summary>
        public readonly void Clear() => CryptographicOperations.ZeroMemory(_context);
    }

#pragma warning disable CA5350 // MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 8489 section 14.5).
    private static IncrementalHash CreateSha1() => IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
#pragma warning restore CA5350
}
