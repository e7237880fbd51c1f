using System.Globalization;
using System.Net;
using TurnServer.Client.Connections;

namespace TurnServer.Coordinator.Servers;

/// <summary>
/// One parsed <c>stun:</c>, <c>stuns:</c>, <c>turn:</c> or <c>turns:</c> URL (RFC 7064, RFC 7065):
/// the host (a name, an IPv4 address, or an IPv6 address in brackets), the port (3478, or 5349 for
/// the TLS schemes) and the transport.
/// </summary>
public sealed record IceServerUri(bool IsTurn, string Host, int Port, ClientTransport Transport)
{
    public const int DefaultPort = 3478;
    public const int DefaultTlsPort = 5349;

    /// <summary>Parses a URL; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static IceServerUri Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";
        var (isTurn, secure) = scheme switch
        {
            "stun" => (false, false),
            "stuns" => (false, true),
            "turn" => (true, false),
            "turns" => (true, true),
            _ => throw new FormatException($"'{url}': the scheme must be stun, stuns, turn or turns"),
        };
        var rest = url[(colon + 1)..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new FormatException($"'{url}': no '//' after the scheme (RFC 7064)");
        }

        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var transport = secure ? ClientTransport.Tls : ClientTransport.Udp;
        if (query >= 0)
        {
            transport = TransportOf(url, rest[(query + 1)..], isTurn, secure);
            rest = rest[..query];
        }

        var (host, port) = HostAndPort(url, rest, secure ? DefaultTlsPort : DefaultPort);
        return new IceServerUri(isTurn, host, port, transport);
    }

    /// <summary>The one query RFC 7065 defines, <c>transport=udp|tcp</c>, on turn: and turns: URLs only.</summary>
    private static ClientTransport TransportOf(string url, string query, bool isTurn, bool secure)
    {
        if (!isTurn)
        {
            throw new FormatException($"'{url}': a stun: URL takes no query (RFC 7064)");
        }

        var parts = query.Split('=', 2);
        if (parts.Length != 2 || !parts[0].Equals("transport", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"'{url}': the only query is transport=udp or transport=tcp (RFC 7065)");
        }

        return (parts[1].ToLowerInvariant(), secure) switch
        {
            ("udp", false) => ClientTransport.Udp,
            ("tcp", false) => ClientTransport.Tcp,
            ("tcp", true) => ClientTransport.Tls,
            ("udp", true) => throw new FormatException($"'{url}': turns: over UDP would be DTLS, which this client does not speak; use turns: (TLS over TCP) or turn:"),
            _ => throw new FormatException($"'{url}': the transport must be udp or tcp"),
        };
    }

    private static (string Host, int Port) HostAndPort(string url, string authority, int defaultPort)
    {
        string host;
        var portText = "";
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(authority[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                throw new FormatException($"'{url}': an IPv6 address goes in brackets, as [2001:db8::1]");
            }

            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw new FormatException($"'{url}': unexpected '{after}' after the address");
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon >= 0 ? authority[..colon] : authority;
            portText = colon >= 0 ? authority[(colon + 1)..] : "";
            if (host.Contains(':', StringComparison.Ordinal))
            {
                throw new FormatException($"'{url}': an IPv6 address goes in brackets, as [2001:db8::1]");
            }

            if (!IsHostName(host))
            {
                throw new FormatException($"'{url}': '{host}' is not a host name or address");
            }
        }

        if (portText.Length == 0)
        {
            return (host, defaultPort);
        }

        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? (host, port)
            : throw new FormatException($"'{url}': the port must be 1-65535");
    }

    /// <summary>
    /// Letters, digits, hyphens and dots (RFC 1123), underscores too (container names such as
    /// <c>coturn_1</c> have them), an optional final dot; or an IPv4 address, made of the same.
    /// </summary>
    private static bool IsHostName(string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        return name.Length is > 0 and <= 253
            && name.Split('.').All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    public override string ToString() =>
        $"{(IsTurn ? "turn" : "stun")}{(Transport == ClientTransport.Tls ? "s" : "")}:{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}{(IsTurn && Transport == ClientTransport.Tcp ? "?transport=tcp" : "")}";
}
