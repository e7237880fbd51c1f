using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;

namespace TurnServer.Coordinator.Servers;

/// <summary>
/// Turns <see cref="IceServer"/>s into the STUN end points and TURN entries the coordinator uses:
/// every URL parsed first (a malformed one is the application's mistake, reported at once), then
/// every host name resolved at once, each bounded by <see cref="ResolveTimeout"/>. A name that does
/// not resolve is logged and left out, so one dead name does not stop the others. IPv4 addresses
/// come before IPv6 ones, and only a name's first address is used, as one server.
/// </summary>
internal static partial class IceServerResolver
{
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    public static async Task<(List<IPEndPoint> Stun, List<TurnServerEntry> Turn)> ResolveAsync(
        IReadOnlyList<IceServer> servers, Func<string, CancellationToken, Task<IPAddress[]>> resolve, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = servers.SelectMany(server => server.Urls.Select(url => (Server: server, Uri: Validated(server, IceServerUri.Parse(url))))).ToList();
        var addresses = parsed.Select(p => p.Uri.Host).Distinct(StringComparer.OrdinalIgnoreCase)
            .ToDictionary(host => host, host => AddressOfAsync(host, resolve, logger, cancellationToken), StringComparer.OrdinalIgnoreCase);
        await Task.WhenAll(addresses.Values).ConfigureAwait(false);

        var stun = new List<IPEndPoint>();
        var turn = new List<TurnServerEntry>();
        foreach (var (server, uri) in parsed)
        {
            if (await addresses[uri.Host].ConfigureAwait(false) is not { } address)
            {
                continue;
            }

            var endPoint = new IPEndPoint(address, uri.Port);
            if (!uri.IsTurn)
            {
                stun.Add(endPoint);
                continue;
            }

            var credentials = new TurnCredentials(server.Username!, server.Credential!);
            turn.Add(new TurnServerEntry(endPoint, credentials)
            {
                Transports = [uri.Transport],
                Tls = uri.Transport == ClientTransport.Tls ? TlsFor(server, uri) : null,
            });
        }

        return (stun, turn);
    }

    private static IceServerUri Validated(IceServer server, IceServerUri uri)
    {
        if (!uri.IsTurn && uri.Transport == ClientTransport.Tls)
        {
            throw new FormatException($"{uri}: STUN over TLS tells nothing about UDP mappings, which NAT discovery and hole punching need; use stun:");
        }

        if (uri.IsTurn && (string.IsNullOrEmpty(server.Username) || server.Credential is null))
        {
            throw new FormatException($"{uri}: a TURN server needs a username and credential");
        }

        return uri;
    }

    /// <summary>The certificate must carry the URL's host name, unless the application says otherwise.</summary>
    private static TlsClientOptions TlsFor(IceServer server, IceServerUri uri)
    {
        var name = IPAddress.TryParse(uri.Host, out _) ? null : uri.Host;
        return server.Tls is { } tls ? tls with { TargetHost = tls.TargetHost ?? name } : new TlsClientOptions { TargetHost = name };
    }

    private static async Task<IPAddress?> AddressOfAsync(string host, Func<string, CancellationToken, Task<IPAddress[]>> resolve, ILogger logger, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var found = await resolve(host, timeout.Token).ConfigureAwait(false);
            var address = found.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6);
            if (address is null)
            {
                LogUnresolved(logger, host, "no IPv4 or IPv6 address");
            }

            return address;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnresolved(logger, host, e is SocketException socket ? socket.SocketErrorCode.ToString() : "timed out");
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE server {Host} left out: its name did not resolve ({Why})")]
    private static partial void LogUnresolved(ILogger logger, string host, string why);
}
