using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TurnServer.TurnUtil;

/// <summary>HOST[:PORT], [IPv6]:PORT or an IP, resolved to one address (IPv4 first).</summary>
internal static class ServerAddress
{
    public static async Task<IPEndPoint> ResolveAsync(string text, int defaultPort, CancellationToken cancellationToken)
    {
        if (IPEndPoint.TryParse(text, out var literal) && (literal.Port != 0 || !text.Contains(':', StringComparison.Ordinal) || text.StartsWith('[') || literal.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return new IPEndPoint(literal.Address, literal.Port == 0 ? defaultPort : literal.Port);
        }

        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : text;
        var port = colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var given) ? given : defaultPort;
        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"{host} has no address");
        return new IPEndPoint(address, port);
    }
}
