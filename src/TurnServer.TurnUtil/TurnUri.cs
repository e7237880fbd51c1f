using System.Globalization;
using TurnServer.Client.Connections;

namespace TurnServer.TurnUtil;

/// <summary>RFC 7065's turn:HOST[:PORT][?transport=udp|tcp] and turns:HOST[:PORT][?transport=tcp].</summary>
internal sealed record TurnUri(string Host, int Port, ClientTransport Transport)
{
    public static TurnUri Parse(string text)
    {
        var secure = text.StartsWith("turns:", StringComparison.OrdinalIgnoreCase);
        if (!secure && !text.StartsWith("turn:", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"'{text}' is not a turn: or turns: URI");
        }

        var rest = text[(secure ? 6 : 5)..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        var transportName = "udp";
        if (query >= 0)
        {
            var parameter = rest[(query + 1)..];
            rest = rest[..query];
            transportName = parameter.StartsWith("transport=", StringComparison.OrdinalIgnoreCase) ? parameter["transport=".Length..].ToLowerInvariant() : throw new UsageException($"unknown URI parameter '{parameter}'");
        }

        var transport = (secure, transportName) switch
        {
            (false, "udp") => ClientTransport.Udp,
            (false, "tcp") => ClientTransport.Tcp,
            (true, "tcp" or "udp") => ClientTransport.Tls, // turns: is TLS over TCP; DTLS is not probed here
            _ => throw new UsageException($"transport={transportName} is not udp or tcp"),
        };

        var closing = rest.LastIndexOf(']');
        var colon = rest.LastIndexOf(':');
        var hasPort = colon > closing && (closing >= 0 || rest.IndexOf(':', StringComparison.Ordinal) == colon);
        var host = (hasPort ? rest[..colon] : rest).Trim('[', ']');
        var port = hasPort ? int.Parse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture) : secure ? 5349 : 3478;
        return host.Length == 0 ? throw new UsageException($"'{text}' names no host") : new TurnUri(host, port, transport);
    }
}
