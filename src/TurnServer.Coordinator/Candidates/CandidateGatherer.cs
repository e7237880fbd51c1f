using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Coordinator.Connections;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator.Candidates;

/// <summary>
/// Makes a connection attempt's bases and candidates: a UDP socket with its host addresses and the
/// public address a STUN server sees, and a TURN allocation, tier by tier and transport by
/// transport (UDP, then TCP, then TLS), so the relay is there even where only web ports get out.
/// </summary>
internal static class CandidateGatherer
{
    private static readonly TimeSpan AllocateTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TransportHeadStart = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan TcpCandidateGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Requests to the relay give up after under 5 s (five sends, 250 ms doubling), not RFC 8489's
    /// 39.5 s: a connection whose relay restarted is waiting on them, and the reallocation that
    /// follows a failure tries again anyway.
    /// </summary>
    private static readonly Client.Stun.RetransmissionPolicy RelayRetransmission = new(TimeSpan.FromMilliseconds(250), 5, 4);

    public static async Task<(PeerConnection Connection, IReadOnlyList<Candidate> Candidates)> GatherAsync(
        string peerId, string session, bool controlling, CoordinatorOptions options, Client.Discovery.NatType? nat, CoordinatorMetrics? metrics, CancellationToken cancellationToken)
    {
        var udp = new UdpBase(IPAddress.Any);
        var bases = new List<PacketBase> { udp };
        var udpBlocked = nat == Client.Discovery.NatType.UdpBlocked;
        var relaying = options.Strategies.Contains(ConnectionStrategy.TurnRelay) ? AllocateAsync(options, udpBlocked, cancellationToken) : Task.FromResult<RelayBase?>(null);
        var connection = new PeerConnection(peerId, session, controlling, options, bases, nat, metrics);
        try
        {
            var gathering = CandidatesAsync(connection, udp, bases, relaying, options, udpBlocked, cancellationToken);
            var tcp = options.Strategies.Contains(ConnectionStrategy.TcpHolePunching) ? TcpCandidatesAsync(connection, options, gathering, cancellationToken) : Task.FromResult<List<Candidate>>([]);
            var candidates = await gathering.ConfigureAwait(false);
            candidates.AddRange(await tcp.ConfigureAwait(false));
            return (connection, candidates);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<List<Candidate>> CandidatesAsync(PeerConnection connection, UdpBase udp, List<PacketBase> bases, Task<RelayBase?> relaying, CoordinatorOptions options, bool udpBlocked, CancellationToken cancellationToken)
    {
        var candidates = await UdpCandidatesAsync(connection, udp, options, udpBlocked, cancellationToken).ConfigureAwait(false);
        if (await relaying.ConfigureAwait(false) is { } relay)
        {
            connection.AddRelay(relay);
            candidates.Add(Candidate.Of(CandidateKind.Relayed, relay.LocalEndPoint));
        }

        connection.Regather = async regathering =>
        {
            var now = await UdpCandidatesAsync(connection, udp, options, udpBlocked, regathering).ConfigureAwait(false);
            now.AddRange(connection.RelayedCandidates);
            return now;
        };
        return candidates;
    }

    /// <summary>The UDP socket's candidates: its port on this machine's addresses, and the public address the first STUN server to answer sees.</summary>
    private static async Task<List<Candidate>> UdpCandidatesAsync(PeerConnection connection, UdpBase udp, CoordinatorOptions options, bool udpBlocked, CancellationToken cancellationToken)
    {
        var candidates = HostAddresses(options.IncludeLoopback).Select(address => Candidate.Of(CandidateKind.Host, new IPEndPoint(address, udp.LocalEndPoint.Port))).ToList();
        foreach (var server in options.StunServers.Take(udpBlocked ? 0 : 2))
        {
            if (await connection.ReflexiveAddressAsync(udp, server, cancellationToken).ConfigureAwait(false) is { } mapped)
            {
                var reflexive = Candidate.Of(CandidateKind.ServerReflexive, mapped);
                if (!candidates.Any(c => c.Address == reflexive.Address && c.Port == reflexive.Port))
                {
                    candidates.Add(reflexive);
                }

                break;
            }
        }

        return candidates;
    }

    /// <summary>
    /// A listener for TCP hole punching: its port on our addresses at once, and in public (as the
    /// first STUN server sees it over TCP) if that is known within <see cref="TcpCandidateGrace"/> of
    /// the rest, since where TCP to the server is blocked the connect would hold the offer back.
    /// </summary>
    private static async Task<List<Candidate>> TcpCandidatesAsync(PeerConnection connection, CoordinatorOptions options, Task others, CancellationToken cancellationToken)
    {
        if (TcpPuncher.Open() is not { } puncher)
        {
            return [];
        }

        connection.Attach(puncher);
        var candidates = HostAddresses(options.IncludeLoopback)
            .Select(address => Candidate.Of(CandidateKind.Host, new IPEndPoint(address, puncher.LocalEndPoint.Port)) with { Protocol = Candidate.Tcp })
            .ToList();
        if (options.StunServers.Count == 0)
        {
            return candidates;
        }

        var reflexive = puncher.ReflexiveAddressAsync(options.StunServers[0], cancellationToken);
        await Task.WhenAny(reflexive, others.ContinueWith(_ => Task.Delay(TcpCandidateGrace, CancellationToken.None), TaskScheduler.Default).Unwrap()).ConfigureAwait(false);
        if (reflexive.IsCompletedSuccessfully && reflexive.Result is { } mapped && !candidates.Any(c => c.Address == mapped.Address.ToString() && c.Port == mapped.Port))
        {
            candidates.Add(Candidate.Of(CandidateKind.ServerReflexive, mapped) with { Protocol = Candidate.Tcp });
        }

        return candidates;
    }

    /// <summary>The first allocation any server of the first tier gives, then of the next tier.</summary>
    /// <remarks>Where discovery found UDP blocked, relays over UDP are not tried.</remarks>
    private static async Task<RelayBase?> AllocateAsync(CoordinatorOptions options, bool udpBlocked, CancellationToken cancellationToken)
    {
        foreach (var tier in options.TurnServers)
        {
            var ways = tier.SelectMany(entry => entry.Transports.Where(t => !(udpBlocked && t == ClientTransport.Udp)).Select(transport => (entry, transport))).ToList();
            if (await FirstAllocationAsync(ways, cancellationToken).ConfigureAwait(false) is { } relay)
            {
                return relay;
            }
        }

        return null;
    }

    /// <summary>
    /// Happy eyeballs for relays: each way (a server over a transport) starts TransportHeadStart
    /// after the one before, without waiting for it to fail, so a site where UDP and port 3478 are
    /// blocked gets its TLS relay in about a second, not after two timeouts. The first allocation
    /// wins; the others are released.
    /// </summary>
    private static async Task<RelayBase?> FirstAllocationAsync(List<(TurnServerEntry Entry, ClientTransport Transport)> ways, CancellationToken cancellationToken)
    {
        using var losers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attempts = ways.Select((way, index) => TryAllocateAsync(way.Entry, way.Transport, TransportHeadStart * index, losers.Token)).ToList();
        RelayBase? winner = null;
        while (attempts.Count > 0)
        {
            var done = await Task.WhenAny(attempts).ConfigureAwait(false);
            attempts.Remove(done);
            if (await done.ConfigureAwait(false) is not { } relay)
            {
                continue;
            }

            if (winner is null)
            {
                winner = relay;
                await losers.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await relay.DisposeAsync().ConfigureAwait(false);
            }
        }

        return winner;
    }

    private static async Task<RelayBase?> TryAllocateAsync(TurnServerEntry entry, ClientTransport transport, TimeSpan delay, CancellationToken cancellationToken)
    {
        var server = transport switch
        {
            ClientTransport.Tcp => entry.TcpServer ?? entry.Server,
            ClientTransport.Tls => entry.TlsServer ?? entry.Server,
            _ => entry.Server,
        };
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AllocateTimeout);
            var credentials = await entry.Credentials(timeout.Token).ConfigureAwait(false);
            var client = await TurnClient.AllocateAsync(new TurnClientOptions(server, credentials) { Transport = transport, Tls = entry.Tls, Retransmission = RelayRetransmission }, timeout.Token).ConfigureAwait(false);
            return new RelayBase(client, transport);
        }
        catch (Exception e) when (e is TurnException or TimeoutException or IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return null; // this way does not work from here (or another won)
        }
    }

    internal static IEnumerable<IPAddress> HostAddresses(bool includeLoopback)
    {
        var addresses = NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .Where(address => address.AddressFamily == AddressFamily.InterNetwork && (includeLoopback || !IPAddress.IsLoopback(address)))
            .Distinct();
        return addresses;
    }
}
