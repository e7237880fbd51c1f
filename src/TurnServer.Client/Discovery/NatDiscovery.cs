using System.Net;
using System.Net.NetworkInformation;
using TurnServer.Client.Stun;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Client.Discovery;

/// <summary>Runs <see cref="NatBehaviorDiscovery"/> over a UDP socket: the socket adapter for the state machine.</summary>
public static class NatDiscovery
{
    /// <summary>
    /// Finds this host's NAT mapping and filtering behaviour against an RFC 5780 server, or compares
    /// two servers' mappings when the first has no alternate address; then checks hairpinning when
    /// behind a NAT.
    /// </summary>
    public static async Task<NatDiscoveryResult> DiscoverAsync(IPEndPoint server, IPEndPoint? secondServer = null, RetransmissionPolicy? retransmission = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var any = new IPEndPoint(server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        await using var socket = new UdpStunSocket(any, retransmission);
        await using var filteringSocket = new UdpStunSocket(any, retransmission);
        var discovery = new NatBehaviorDiscovery(server, secondServer, mapped => IsLocal(mapped, socket.LocalEndPoint));
        while (discovery.NextProbe is { } probe)
        {
            var change = (probe.ChangeIP ? ChangeRequest.ChangeIP : ChangeRequest.None) | (probe.ChangePort ? ChangeRequest.ChangePort : ChangeRequest.None);
            var answer = await (probe.Socket == 0 ? socket : filteringSocket).BindingAsync(probe.Destination, change, cancellationToken).ConfigureAwait(false);
            discovery.Report(answer is null ? null : new NatProbeAnswer(answer.Mapped, answer.OtherAddress, answer.ResponseOrigin, answer.ReceivedFrom));
        }

        var result = discovery.Result;
        if (result.BehindNat && result.PublicEndPoint is { } mapped)
        {
            result = result with { Hairpinning = await socket.HairpinsAsync(mapped, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false) };
        }

        return result;
    }

    /// <summary>The mapped address is this socket's own: the same port on one of this host's addresses.</summary>
    private static bool IsLocal(IPEndPoint mapped, IPEndPoint local) =>
        mapped.Port == local.Port
        && (IPAddress.IsLoopback(mapped.Address) || mapped.Address.Equals(local.Address)
            || NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Any(a => a.Address.Equals(mapped.Address)));
}
