using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Protocol.Integrity;

/// <summary>
/// Key derivation of the long-term credential mechanism (RFC 8489 section 9.2.2) and USERHASH
/// (section 14.4). Strings are taken as UTF-8 as given: SASLprep/OpaqueString normalisation is not
/// applied, which matches what browsers and coturn do for the ASCII names used in practice.
/// </summary>
public static class LongTermCredentials
{
    public const int Md5KeyLength = 16;
    public const int Sha256KeyLength = 32;
    public const int UserhashLength = 32;

    // Username (513) + realm (763) + password + separators fit comfortably; longer input is pooled.
    private const int StackScratchLength = 2048;

    public static int KeyLength(PasswordAlgorithm algorithm) => algorithm switch
    {
        PasswordAlgorithm.Md5 => Md5KeyLength,
        PasswordAlgorithm.Sha256 => Sha256KeyLength,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown password algorithm."),
    };

    /// <summary>key = H(username ":" realm ":" password); returns the number of key bytes written.</summary>
    public static int DeriveKey(PasswordAlgorithm algorithm, ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, ReadOnlySpan<byte> password, Span<byte> destination)
    {
        var length = KeyLength(algorithm);
        if (destination.Length < length)
        {
            ThrowHelper.ThrowArgumentTooShort(nameof(destination), length);
        }

        HashJoined(algorithm == PasswordAlgorithm.Sha256, username, realm, password, hasThirdPart: true, destination);
        return length;
    }

    public static int DeriveKey(PasswordAlgorithm algorithm, string username, string realm, string password, Span<byte> destination) =>
        DeriveKey(algorithm, Encoding.UTF8.GetBytes(username), Encoding.UTF8.GetBytes(realm), Encoding.UTF8.GetBytes(password), destination);

    /// <summary>USERHASH = SHA-256(username ":" realm), which lets a client hide its username.</summary>
    public static void ComputeUserhash(ReadOnlySpan<byte> username, ReadOnlySpan<byte> realm, Span<byte> destination)
    {
        if (destination.Length < UserhashLength)
        {
            ThrowHelper.ThrowArgumentTooShort(nameof(destination), UserhashLength);
        }

        HashJoined(sha256: true, username, realm, [], hasThirdPart: false, destination);
    }

    // Hashes the parts joined with ':' without allocating.
    private static void HashJoined(bool sha256, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third, bool hasThirdPart, Span<byte> destination)
    {
        var length = first.Length + 1 + second.Length + (hasThirdPart ? 1 + third.Length : 0);
        byte[]? rented = null;
        var scratch = length <= StackScratchLength ? stackalloc byte[StackScratchLength] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var joined = scratch[..length];
            first.CopyTo(joined);
            joined[first.Length] = (byte)':';
            second.CopyTo(joined[(first.Length + 1)..]);
            if (hasThirdPart)
            {
                joined[first.Length + 1 + second.Length] = (byte)':';
                third.CopyTo(joined[(first.Length + second.Length + 2)..]);
            }

            if (sha256)
            {
                SHA256.HashData(joined, destination);
            }
            else
            {
#pragma warning disable CA5351 // RFC 8489 section 9.2.2 defines the key as MD5; every deployed client uses it.
                MD5.HashData(joined, destination);
#pragma warning restore CA5351
            }

            CryptographicOperations.ZeroMemory(joined);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
