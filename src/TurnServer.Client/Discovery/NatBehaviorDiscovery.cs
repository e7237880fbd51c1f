using System.Net;

namespace TurnServer.Client.Discovery;

/// <summary>
/// NAT behaviour discovery as a state machine with no I/O (RFC 5780 sections 4.3 and 4.4): it says
/// which Binding request to send next (<see cref="NextProbe"/>), is told what came back
/// (<see cref="Report"/>, null for no answer), and ends with a <see cref="Result"/>. Against a server
/// without OTHER-ADDRESS it falls back to comparing the mappings of two servers.
/// </summary>
public sealed class NatBehaviorDiscovery
{
    private const int MappingSocket = 0;
    private const int FilteringSocket = 1;

    private readonly IPEndPoint _server;
    private readonly IPEndPoint? _secondServer;
    private readonly Func<IPEndPoint, bool> _isLocal;
    private Step _step = Step.Basic;
    private IPEndPoint? _mapped;
    private IPEndPoint? _other;
    private IPEndPoint? _mappedViaOtherIP;
    private MappingBehavior _mapping;
    private FilteringBehavior _filtering;
    private DiscoveryMethod _method = DiscoveryMethod.Rfc5780;
    private bool _blocked;

    /// <param name="server">The server tested against; with RFC 5780 it names its other address.</param>
    /// <param name="secondServer">Another server, for the comparison when the first lacks RFC 5780.</param>
    /// <param name="isLocal">Whether a mapped address is one of this host's own (then there is no NAT).</param>
    public NatBehaviorDiscovery(IPEndPoint server, IPEndPoint? secondServer, Func<IPEndPoint, bool> isLocal)
    {
        _server = server;
        _secondServer = secondServer;
        _isLocal = isLocal;
    }

    private enum Step
    {
        Basic,
        MappingViaOtherIP,
        MappingViaOtherAddress,
        FilteringBasic,
        FilteringChangeBoth,
        FilteringChangePort,
        SecondServer,
        Done,
    }

    /// <summary>The request to send now, or null when discovery is over.</summary>
    public NatProbe? NextProbe => _step switch
    {
        Step.Basic => new NatProbe(MappingSocket, _server, false, false),
        Step.MappingViaOtherIP => new NatProbe(MappingSocket, new IPEndPoint(_other!.Address, _server.Port), false, false),
        Step.MappingViaOtherAddress => new NatProbe(MappingSocket, _other!, false, false),
        Step.FilteringBasic => new NatProbe(FilteringSocket, _server, false, false),
        Step.FilteringChangeBoth => new NatProbe(FilteringSocket, _server, true, true),
        Step.FilteringChangePort => new NatProbe(FilteringSocket, _server, false, true),
        Step.SecondServer => new NatProbe(MappingSocket, _secondServer!, false, false),
        _ => null,
    };

    public bool IsDone => _step == Step.Done;

    /// <summary>Takes the answer to <see cref="NextProbe"/>: null when none came before the retransmissions ran out.</summary>
    public void Report(NatProbeAnswer? answer)
    {
        _step = _step switch
        {
            Step.Basic => AfterBasic(answer),
            Step.MappingViaOtherIP => AfterMappingViaOtherIP(answer),
            Step.MappingViaOtherAddress => AfterMappingViaOtherAddress(answer),
            Step.FilteringBasic => answer is null ? Step.Done : Step.FilteringChangeBoth,
            Step.FilteringChangeBoth => AfterFilteringChangeBoth(answer),
            Step.FilteringChangePort => AfterFilteringChangePort(answer),
            Step.SecondServer => AfterSecondServer(answer),
            _ => throw new InvalidOperationException("discovery is over"),
        };
    }

    public NatDiscoveryResult Result
    {
        get
        {
            if (!IsDone)
            {
                throw new InvalidOperationException("discovery is not over");
            }

            var behindNat = _mapped is not null && !_isLocal(_mapped);
            return new NatDiscoveryResult(ClassicName(behindNat), _mapping, _filtering, _mapped, _method, behindNat);
        }
    }

    private Step AfterBasic(NatProbeAnswer? answer)
    {
        if (answer is null)
        {
            _blocked = true;
            return Step.Done;
        }

        _mapped = answer.Mapped;
        _other = answer.OtherAddress;
        if (_other is null)
        {
            _method = _secondServer is null ? DiscoveryMethod.SingleServer : DiscoveryMethod.TwoServerComparison;
            return _secondServer is null ? Step.Done : Step.SecondServer;
        }

        if (_isLocal(answer.Mapped))
        {
            _mapping = MappingBehavior.EndpointIndependent;
            return Step.FilteringBasic;
        }

        return Step.MappingViaOtherIP;
    }

    private Step AfterMappingViaOtherIP(NatProbeAnswer? answer)
    {
        if (answer is null)
        {
            return Step.FilteringBasic; // The alternate address does not answer: mapping stays unknown.
        }

        if (answer.Mapped.Equals(_mapped))
        {
            _mapping = MappingBehavior.EndpointIndependent;
            return Step.FilteringBasic;
        }

        _mappedViaOtherIP = answer.Mapped;
        return Step.MappingViaOtherAddress;
    }

    private Step AfterMappingViaOtherAddress(NatProbeAnswer? answer)
    {
        if (answer is not null)
        {
            _mapping = answer.Mapped.Equals(_mappedViaOtherIP) ? MappingBehavior.AddressDependent : MappingBehavior.AddressAndPortDependent;
        }

        return Step.FilteringBasic;
    }

    // An answer counts only if it came from where CHANGE-REQUEST asked: a server that ignores it
    // would otherwise make every NAT look like it filters nothing.
    private Step AfterFilteringChangeBoth(NatProbeAnswer? answer)
    {
        if (answer is null)
        {
            return Step.FilteringChangePort;
        }

        var from = answer.ReceivedFrom;
        _filtering = !from.Address.Equals(_server.Address) && from.Port != _server.Port ? FilteringBehavior.EndpointIndependent : FilteringBehavior.Unknown;
        return Step.Done;
    }

    private Step AfterFilteringChangePort(NatProbeAnswer? answer)
    {
        _filtering = answer is null ? FilteringBehavior.AddressAndPortDependent
            : answer.ReceivedFrom.Address.Equals(_server.Address) && answer.ReceivedFrom.Port != _server.Port ? FilteringBehavior.AddressDependent
            : FilteringBehavior.Unknown;
        return Step.Done;
    }

    private Step AfterSecondServer(NatProbeAnswer? answer)
    {
        if (answer is not null)
        {
            _mapping = answer.Mapped.Equals(_mapped) ? MappingBehavior.EndpointIndependent : MappingBehavior.EndpointDependent;
        }

        return Step.Done;
    }

    private NatType ClassicName(bool behindNat)
    {
        if (_blocked)
        {
            return NatType.UdpBlocked;
        }

        if (!behindNat && _mapped is not null)
        {
            return _filtering switch
            {
                FilteringBehavior.EndpointIndependent => NatType.OpenInternet,
                FilteringBehavior.Unknown => NatType.Unknown,
                _ => NatType.SymmetricUdpFirewall,
            };
        }

        return _mapping switch
        {
            MappingBehavior.EndpointIndependent => _filtering switch
            {
                FilteringBehavior.EndpointIndependent => NatType.FullCone,
                FilteringBehavior.AddressDependent => NatType.RestrictedCone,
                FilteringBehavior.AddressAndPortDependent => NatType.PortRestrictedCone,
                _ => NatType.Cone,
            },
            MappingBehavior.AddressDependent or MappingBehavior.AddressAndPortDependent or MappingBehavior.EndpointDependent => NatType.Symmetric,
            _ => NatType.Unknown,
        };
    }
}
