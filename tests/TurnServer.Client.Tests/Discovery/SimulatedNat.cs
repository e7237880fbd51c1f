using System.Net;
using TurnServer.Client.Discovery;

namespace TurnServer.Client.Tests.Discovery;

/// <summary>
/// A NAT of a given mapping and filtering behaviour in front of a host, and an RFC 5780 server
/// (primary 192.0.2.1:3478, other 192.0.2.2:3479) beyond it: a probe is answered as the real
/// thing would answer it, or not at all when the NAT filters the answer out. Each local socket
/// gets its own mappings, each mapping its own filter.
/// </summary>
internal sealed class SimulatedNat(MappingBehavior mapping, FilteringBehavior filtering, bool rfc5780 = true)
{
    public static readonly IPEndPoint Primary = IPEndPoint.Parse("192.0.2.1:3478");
    public static readonly IPEndPoint Other = IPEndPoint.Parse("192.0.2.2:3479");
    public static readonly IPEndPoint SecondServer = IPEndPoint.Parse("198.51.100.1:3478");
    public static readonly IPEndPoint Local = IPEndPoint.Parse("100.64.0.5:5000");
    public static readonly IPAddress Public = IPAddress.Parse("203.0.113.9");

    private readonly Dictionary<(int Socket, string Mapping), HashSet<IPEndPoint>> _sentFrom = [];

    // Each mapping gets the next port, so two mappings never share one by chance.
    private readonly Dictionary<(int Socket, string Mapping), int> _ports = [];

    /// <summary>No NAT: the server sees the host's own address.</summary>
    public bool NoNat { get; init; }

    public bool Blocked { get; init; }

    public static bool IsLocal(IPEndPoint address) => address.Equals(Local);

    public NatProbeAnswer? Answer(NatProbe probe)
    {
        if (Blocked)
        {
            return null;
        }

        var key = (probe.Socket, MappingKey(probe.Destination));
        if (!_sentFrom.TryGetValue(key, out var sent))
        {
            _sentFrom[key] = sent = [];
        }

        sent.Add(probe.Destination);
        var origin = new IPEndPoint(
            probe.ChangeIP ? (probe.Destination.Address.Equals(Primary.Address) ? Other.Address : Primary.Address) : probe.Destination.Address,
            probe.ChangePort ? (probe.Destination.Port == Primary.Port ? Other.Port : Primary.Port) : probe.Destination.Port);
        if (!Admits(sent, origin))
        {
            return null;
        }

        var isRfc5780Server = rfc5780 && !probe.Destination.Equals(SecondServer);
        return new NatProbeAnswer(MappedFor(probe), isRfc5780Server ? OtherOf(probe.Destination) : null, isRfc5780Server ? origin : null, origin);
    }

    /// <summary>Which destinations share a mapping: all of them, those of one address, or each one alone.</summary>
    private string MappingKey(IPEndPoint destination) => mapping switch
    {
        MappingBehavior.AddressDependent => destination.Address.ToString(),
        MappingBehavior.AddressAndPortDependent => destination.ToString(),
        _ => "any",
    };

    private IPEndPoint MappedFor(NatProbe probe)
    {
        if (NoNat)
        {
            return Local;
        }

        var key = (probe.Socket, MappingKey(probe.Destination));
        if (!_ports.TryGetValue(key, out var port))
        {
            _ports[key] = port = 40000 + _ports.Count;
        }

        return new IPEndPoint(Public, port);
    }

    private bool Admits(HashSet<IPEndPoint> sent, IPEndPoint origin) => filtering switch
    {
        FilteringBehavior.EndpointIndependent => true,
        FilteringBehavior.AddressDependent => sent.Any(destination => destination.Address.Equals(origin.Address)),
        _ => sent.Contains(origin),
    };

    private static IPEndPoint OtherOf(IPEndPoint receivedOn) => new(
        receivedOn.Address.Equals(Primary.Address) ? Other.Address : Primary.Address,
        receivedOn.Port == Primary.Port ? Other.Port : Primary.Port);
}
