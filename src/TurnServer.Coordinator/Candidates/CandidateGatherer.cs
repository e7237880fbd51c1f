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
    private static readonly TimeSpan AllocateTimeout = TimeSpan.FromSeconds(3);

    public static async Task<(PeerConnection Connection, IReadOnlyList<Candidate> Candidates)> GatherAsync(
        string peerId, string session, bool controlling, CoordinatorOptions options, CancellationToken cancellationToken)
    {
        var udp = new UdpBase(IPAddress.Any);
        var bases = new List<PacketBase> { udp };
        var relaying = options.Strategies.Contains(ConnectionStrategy.TurnRelay) ? AllocateAsync(options, cancellationToken) : Task.FromResult<RelayBase?>(null);
        var connection = new PeerConnection(peerId, session, controlling, options, bases);
        try
        {
            return (connection, await CandidatesAsync(connection, udp, bases, relaying, options, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<List<Candidate>> CandidatesAsync(PeerConnection connection, UdpBase udp, List<PacketBase> bases, Task<RelayBase?> relaying, CoordinatorOptions options, CancellationToken cancellationToken)
    {
        var candidates = HostAddresses(options.IncludeLoopback).Select(address => Candidate.Of(CandidateKind.Host, new IPEndPoint(address, udp.LocalEndPoint.Port))).ToList();
        foreach (var server in options.StunServers.Take(2))
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

        if (await relaying.ConfigureAwait(false) is { } relay)
        {
            relay.Start(connection.OnPacket);
            bases.Add(relay);
            candidates.Add(Candidate.Of(CandidateKind.Relayed, relay.LocalEndPoint));
        }

        return candidates;
    }

    /// <summary>The first allocation any server of the first tier gives, then of the next tier.</summary>
    private static async Task<RelayBase?> AllocateAsync(CoordinatorOptions options, CancellationToken cancellationToken)
    {
        foreach (var tier in options.TurnServers)
        {
            foreach (var entry in tier)
            {
                foreach (var transport in entry.Transports)
                {
                    var server = transport switch
                    {
                        ClientTransport.Tcp => entry.TcpServer ?? entry.Server,
                        ClientTransport.Tls => entry.TlsServer ?? entry.Server,
                        _ => entry.Server,
                    };
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(AllocateTimeout);
                    try
                    {
                        var credentials = await entry.Credentials(timeout.Token).ConfigureAwait(false);
                        var client = await TurnClient.AllocateAsync(new TurnClientOptions(server, credentials) { Transport = transport, Tls = entry.Tls, KeepAliveInterval = options.KeepAliveInterval }, timeout.Token).ConfigureAwait(false);
                        return new RelayBase(client, transport);
                    }
                    catch (Exception e) when (e is TurnException or TimeoutException or IOException or SocketException or System.Security.Authentication.AuthenticationException
                        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        // This server or transport does not work from here: the next.
                    }
                }
            }
        }

        return null;
    }

    private static IEnumerable<IPAddress> HostAddresses(bool includeLoopback)
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
