using System.Runtime.InteropServices;

namespace TurnServer.Protocol.Integrity;

/// <summary>
/// OpenSSL's plain SHA-1 and SHA-256 functions (<c>SHA1_Init</c>, <c>SHA1_Update</c>, <c>SHA1_Final</c> and
/// the SHA-256 three), found in the libcrypto .NET itself uses on Linux. They hash into a caller's
/// context with no setup: an HMAC over a STUN message costs a quarter of what .NET's reset of a reused
/// hash costs (the EVP layer re-initialises its provider context every time). Where the library or a
/// function is missing (another OS, a libcrypto built without the deprecated API), <see cref="IsAvailable"/>
/// is false and <see cref="Hmac"/> uses .NET's hashing instead.
/// </summary>
internal static unsafe class LibCryptoDigests
{
    /// <summary>Bytes a context needs: SHA_CTX is 96 and SHA256_CTX 112 in OpenSSL 1.1 and 3.</summary>
    public const int ContextLength = 128;

    private static readonly string[] LibraryNames = ["libcrypto.so.3", "libcrypto.so.1.1"];

    private static readonly delegate* unmanaged<byte*, int> s_sha1Init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> s_sha1Update;
    private static readonly delegate* unmanaged<byte*, byte*, int> s_sha1Final;
    private static readonly delegate* unmanaged<byte*, int> s_sha256Init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> s_sha256Update;
    private static readonly delegate* unmanaged<byte*, byte*, int> s_sha256Final;

#pragma warning disable CA1810 // The exports are looked up together, once, or not at all.
    static LibCryptoDigests()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var library)
                && NativeLibrary.TryGetExport(library, "SHA1_Init", out var sha1Init)
                && NativeLibrary.TryGetExport(library, "SHA1_Update", out var sha1Update)
                && NativeLibrary.TryGetExport(library, "SHA1_Final", out var sha1Final)
                && NativeLibrary.TryGetExport(library, "SHA256_Init", out var sha256Init)
                && NativeLibrary.TryGetExport(library, "SHA256_Update", out var sha256Update)
                && NativeLibrary.TryGetExport(library, "SHA256_Final", out var sha256Final))
            {
                s_sha1Init = (delegate* unmanaged<byte*, int>)sha1Init;
                s_sha1Update = (delegate* unmanaged<byte*, byte*, nuint, int>)sha1Update;
                s_sha1Final = (delegate* unmanaged<byte*, byte*, int>)sha1Final;
                s_sha256Init = (delegate* unmanaged<byte*, int>)sha256Init;
                s_sha256Update = (delegate* unmanaged<byte*, byte*, nuint, int>)sha256Update;
                s_sha256Final = (delegate* unmanaged<byte*, byte*, int>)sha256Final;
                IsAvailable = true;
                return;
            }
        }
    }

    public static bool IsAvailable { get; }

    public static void Start(bool sha256, Span<byte> context)
    {
        fixed (byte* state = context)
        {
            Check(sha256 ? s_sha256Init(state) : s_sha1Init(state));
        }
    }

    public static void Append(bool sha256, Span<byte> context, ReadOnlySpan<byte> data)
    {
        fixed (byte* state = context)
        fixed (byte* bytes = data)
        {
            Check(sha256 ? s_sha256Update(state, bytes, (nuint)data.Length) : s_sha1Update(state, bytes, (nuint)data.Length));
        }
    }

    /// <summary>Writes the digest (20 or 32 bytes) to <paramref name="digest"/>, which must hold it.</summary>
    public static void Finish(bool sha256, Span<byte> context, Span<byte> digest)
    {
        fixed (byte* state = context)
        fixed (byte* output = digest)
        {
            Check(sha256 ? s_sha256Final(output, state) : s_sha1Final(output, state));
        }
    }

    private static void Check(int result)
    {
        if (result != 1)
        {
            throw new System.Security.Cryptography.CryptographicException("libcrypto failed a digest");
        }
    }
}
