using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Stun;

/// <summary>
/// STUN Binding (RFC 8489): this host's address as a server sees it, over UDP (retransmitted), TCP
/// or TLS; and a list of servers tried in turn (failover) or all at once (race, first answer wins),
/// so one blocked or dead server costs little time.
/// </summary>
public static class StunClient
{
    public static async Task<BindingAnswer> BindingAsync(IPEndPoint server, ClientTransport transport = ClientTransport.Udp, StunClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new StunClientOptions();
        if (transport == ClientTransport.Udp)
        {
            await using var socket = new UdpStunSocket(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), options.Retransmission);
            return await socket.BindingAsync(server, cancellationToken: cancellationToken).ConfigureAwait(false)
                ?? throw new TimeoutException($"no answer from {server}");
        }

        var connection = await ServerConnection.OpenAsync(server, transport, options.Tls, cancellationToken).ConfigureAwait(false);
        await using var session = new ClientSession(connection, options.Retransmission, static _ => { });
        var started = Stopwatch.GetTimestamp();
        var response = await session.RequestAsync(BindingRequest.Create(TransactionId.NewRandom()), cancellationToken).ConfigureAwait(false);
        return BindingAnswer.Read(response, connection.RemoteEndPoint, Stopwatch.GetElapsedTime(started))
            ?? throw new InvalidDataException($"{server} answered the Binding request with something other than a success");
    }

    /// <summary>The first answer from a list of servers: tried in order, or raced when <paramref name="race"/> is set.</summary>
    public static async Task<BindingAnswer> FirstAnswerAsync(IReadOnlyList<IPEndPoint> servers, bool race, ClientTransport transport = ClientTransport.Udp, StunClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            throw new ArgumentException("no STUN server given", nameof(servers));
        }

        var failures = new List<Exception>();
        if (!race)
        {
            foreach (var server in servers)
            {
                try
                {
                    return await BindingAsync(server, transport, options, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (IsServerFailure(e))
                {
                    failures.Add(e);
                }
            }

            throw new AggregateException("no STUN server answered", failures);
        }

        using var rest = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = servers.Select(server => BindingAsync(server, transport, options, rest.Token)).ToList();
        try
        {
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                try
                {
                    return await done.ConfigureAwait(false);
                }
                catch (Exception e) when (IsServerFailure(e))
                {
                    failures.Add(e);
                }
            }
        }
        finally
        {
            await rest.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pending.Select(task => task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default))).ConfigureAwait(false);
        }

        throw new AggregateException("no STUN server answered", failures);
    }

    private static bool IsServerFailure(Exception e) =>
        e is TimeoutException or IOException or SocketException or InvalidDataException or System.Security.Authentication.AuthenticationException;
}
