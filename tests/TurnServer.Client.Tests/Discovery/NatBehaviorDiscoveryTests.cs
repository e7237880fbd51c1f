using TurnServer.Client.Discovery;

namespace TurnServer.Client.Tests.Discovery;

public class NatBehaviorDiscoveryTests
{
    public static TheoryData<MappingBehavior, FilteringBehavior, NatType> EveryCombination => new()
    {
        { MappingBehavior.EndpointIndependent, FilteringBehavior.EndpointIndependent, NatType.FullCone },
        { MappingBehavior.EndpointIndependent, FilteringBehavior.AddressDependent, NatType.RestrictedCone },
        { MappingBehavior.EndpointIndependent, FilteringBehavior.AddressAndPortDependent, NatType.PortRestrictedCone },
        { MappingBehavior.AddressDependent, FilteringBehavior.EndpointIndependent, NatType.Symmetric },
        { MappingBehavior.AddressDependent, FilteringBehavior.AddressDependent, NatType.Symmetric },
        { MappingBehavior.AddressDependent, FilteringBehavior.AddressAndPortDependent, NatType.Symmetric },
        { MappingBehavior.AddressAndPortDependent, FilteringBehavior.EndpointIndependent, NatType.Symmetric },
        { MappingBehavior.AddressAndPortDependent, FilteringBehavior.AddressDependent, NatType.Symmetric },
        { MappingBehavior.AddressAndPortDependent, FilteringBehavior.AddressAndPortDependent, NatType.Symmetric },
    };

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void Rfc5780Server_FindsTheMappingAndFilteringOfEveryNat(MappingBehavior mapping, FilteringBehavior filtering, NatType classic)
    {
        var result = Run(new SimulatedNat(mapping, filtering), secondServer: false);

        Assert.Equal((mapping, filtering, classic), (result.Mapping, result.Filtering, result.Type));
        Assert.Equal(DiscoveryMethod.Rfc5780, result.Method);
        Assert.True(result.BehindNat);
        Assert.Equal(SimulatedNat.Public, result.PublicEndPoint!.Address);
    }

    [Theory]
    [InlineData(FilteringBehavior.EndpointIndependent, NatType.OpenInternet)]
    [InlineData(FilteringBehavior.AddressAndPortDependent, NatType.SymmetricUdpFirewall)]
    public void WithoutNat_OpenInternetOrAFirewall(FilteringBehavior filtering, NatType classic)
    {
        var result = Run(new SimulatedNat(MappingBehavior.EndpointIndependent, filtering) { NoNat = true }, secondServer: false);

        Assert.False(result.BehindNat);
        Assert.Equal(classic, result.Type);
        Assert.Equal(SimulatedNat.Local, result.PublicEndPoint);
    }

    [Fact]
    public void NoAnswerAtAll_IsUdpBlocked()
    {
        var result = Run(new SimulatedNat(MappingBehavior.EndpointIndependent, FilteringBehavior.EndpointIndependent) { Blocked = true }, secondServer: true);

        Assert.Equal(NatType.UdpBlocked, result.Type);
        Assert.Null(result.PublicEndPoint);
    }

    [Theory]
    [InlineData(MappingBehavior.EndpointIndependent, MappingBehavior.EndpointIndependent, NatType.Cone)]
    [InlineData(MappingBehavior.AddressDependent, MappingBehavior.EndpointDependent, NatType.Symmetric)]
    [InlineData(MappingBehavior.AddressAndPortDependent, MappingBehavior.EndpointDependent, NatType.Symmetric)]
    public void WithoutRfc5780_TwoServersAreCompared_MappingOnly(MappingBehavior actual, MappingBehavior found, NatType classic)
    {
        var result = Run(new SimulatedNat(actual, FilteringBehavior.EndpointIndependent, rfc5780: false), secondServer: true);

        Assert.Equal((found, FilteringBehavior.Unknown, classic, DiscoveryMethod.TwoServerComparison), (result.Mapping, result.Filtering, result.Type, result.Method));
    }

    [Fact]
    public void WithoutRfc5780_AndNoSecondServer_OnlyThePublicAddressIsKnown()
    {
        var result = Run(new SimulatedNat(MappingBehavior.AddressDependent, FilteringBehavior.EndpointIndependent, rfc5780: false), secondServer: false);

        Assert.Equal((MappingBehavior.Unknown, NatType.Unknown, DiscoveryMethod.SingleServer), (result.Mapping, result.Type, result.Method));
        Assert.NotNull(result.PublicEndPoint);
    }

    [Fact]
    public void AServerThatIgnoresChangeRequest_LeavesFilteringUnknown_NotFullCone()
    {
        var discovery = new NatBehaviorDiscovery(SimulatedNat.Primary, null, SimulatedNat.IsLocal);
        while (discovery.NextProbe is { } probe)
        {
            // Every answer comes from where the request went, whatever it asked for.
            var mapped = new System.Net.IPEndPoint(SimulatedNat.Public, 40000);
            discovery.Report(new NatProbeAnswer(mapped, SimulatedNat.Other, probe.Destination, probe.Destination));
        }

        Assert.Equal(FilteringBehavior.Unknown, discovery.Result.Filtering);
        Assert.Equal(NatType.Cone, discovery.Result.Type);
    }

    [Fact]
    public void ReportingAfterTheEnd_IsAMistake()
    {
        var discovery = new NatBehaviorDiscovery(SimulatedNat.Primary, null, _ => false);
        discovery.Report(null);

        Assert.True(discovery.IsDone);
        Assert.Throws<InvalidOperationException>(() => discovery.Report(null));
    }

    private static NatDiscoveryResult Run(SimulatedNat nat, bool secondServer)
    {
        var discovery = new NatBehaviorDiscovery(SimulatedNat.Primary, secondServer ? SimulatedNat.SecondServer : null, SimulatedNat.IsLocal);
        var probes = 0;
        while (discovery.NextProbe is { } probe)
        {
            Assert.True(++probes <= 7, "discovery does not end");
            discovery.Report(nat.Answer(probe));
        }

        return discovery.Result;
    }
}
