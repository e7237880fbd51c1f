using System.Net.Security;

namespace TurnServer.Transports.Tls;

/// <summary>
/// coturn's <c>cipher-list</c>, where it maps: OpenSSL suite names (ECDHE-ECDSA-AES128-GCM-SHA256) or
/// IANA names (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) separated by colons, commas or spaces. OpenSSL
/// keywords and exclusions (DEFAULT, HIGH, !aNULL) have no equivalent here and are reported back as
/// unmapped; a list with no suite we know keeps the defaults. TLS 1.3 suites are always allowed, as
/// OpenSSL's cipher-list does not govern them either.
/// </summary>
public sealed class CipherList
{
    /// <summary>The suites we can offer, strongest first: IANA code, OpenSSL name, signing key.</summary>
    private static readonly (ushort Code, string OpenSslName, bool Ecdsa)[] Known =
    [
        (0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", true),
        (0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384", true),
        (0xCCA9, "ECDHE-ECDSA-CHACHA20-POLY1305", true),
        (0xC023, "ECDHE-ECDSA-AES128-SHA256", true),
        (0xC024, "ECDHE-ECDSA-AES256-SHA384", true),
        (0xC009, "ECDHE-ECDSA-AES128-SHA", true),
        (0xC00A, "ECDHE-ECDSA-AES256-SHA", true),
        (0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", false),
        (0xC030, "ECDHE-RSA-AES256-GCM-SHA384", false),
        (0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305", false),
        (0xC027, "ECDHE-RSA-AES128-SHA256", false),
        (0xC028, "ECDHE-RSA-AES256-SHA384", false),
        (0xC013, "ECDHE-RSA-AES128-SHA", false),
        (0xC014, "ECDHE-RSA-AES256-SHA", false),
    ];

    private static readonly TlsCipherSuite[] Tls13 =
        [TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256];

    private CipherSuitesPolicy? _tlsPolicy;

    private CipherList(IReadOnlyList<ushort>? codes, IReadOnlyList<string> unmapped)
    {
        Codes = codes;
        Unmapped = unmapped;
    }

    /// <summary>Every suite we can offer, in our order of preference.</summary>
    public static CipherList Default { get; } = new(null, []);

    /// <summary>The chosen suites as IANA codes in the operator's order, or null for our defaults.</summary>
    public IReadOnlyList<ushort>? Codes { get; }

    /// <summary>Entries of the configured list that name no suite we can offer.</summary>
    public IReadOnlyList<string> Unmapped { get; }

    public static CipherList Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        var codes = new List<ushort>();
        var unmapped = new List<string>();
        foreach (var entry in text.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Lookup(entry) is { } code)
            {
                if (!codes.Contains(code))
                {
                    codes.Add(code);
                }
            }
            else
            {
                unmapped.Add(entry);
            }
        }

        return new CipherList(codes.Count > 0 ? codes : null, unmapped);
    }

    /// <summary>The policy for SslStream, or null to leave the platform's (OpenSSL's) defaults alone; Windows takes no policy.</summary>
    public CipherSuitesPolicy? TlsPolicy =>
        Codes is null || OperatingSystem.IsWindows() ? null : _tlsPolicy ??= new CipherSuitesPolicy([.. Tls13, .. Codes.Select(code => (TlsCipherSuite)code)]);

    /// <summary>The suites, in order, whose certificate signature is ECDSA (or else RSA).</summary>
    public int[] SuitesFor(bool ecdsa, IReadOnlySet<ushort> supported)
    {
        ArgumentNullException.ThrowIfNull(supported);
        var order = Codes ?? [.. Known.Select(k => k.Code)];
        return [.. order.Where(code => supported.Contains(code) && Known.Any(k => k.Code == code && k.Ecdsa == ecdsa)).Select(code => (int)code)];
    }

    private static ushort? Lookup(string entry)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known.OpenSslName, entry, StringComparison.OrdinalIgnoreCase)
                || string.Equals(((TlsCipherSuite)known.Code).ToString(), entry, StringComparison.OrdinalIgnoreCase))
            {
                return known.Code;
            }
        }

        return null;
    }
}
