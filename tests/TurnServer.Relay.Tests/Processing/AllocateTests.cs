using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Options;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class AllocateTests
{
    [Fact]
    public void FirstAllocate_IsChallengedWith401RealmNonceAndAlgorithms()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        var response = client.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false));

        Assert.Equal(new StunMessageType(StunMethod.Allocate, StunClass.ErrorResponse), response.Type);
        Assert.Equal(401, response.ErrorCode);
        Assert.Equal(EngineHarness.Realm, response.Realm);
        Assert.StartsWith("obMatJos2", response.Nonce, StringComparison.Ordinal);
        Assert.True(response.Has(StunAttributeType.PasswordAlgorithms));
        Assert.False(response.Has(StunAttributeType.MessageIntegrity));
        Assert.True(response.Read().VerifyFingerprint());
    }

    [Fact]
    public void AuthenticatedAllocate_ReturnsRelayedAndMappedAddressesAndDefaultLifetime_SignedWithTheKey()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        var response = client.Allocate();

        Assert.True(response.IsSuccess, $"error {response.ErrorCode}");
        var relayed = response.RelayedAddress!.Value;
        Assert.Equal(EngineHarness.RelayIP.WithPort(relayed.Port), relayed);
        Assert.InRange(relayed.Port, 50000, 50099);
        Assert.Equal(client.Address, response.MappedAddress);
        Assert.Equal(600u, response.Lifetime);
        Assert.True(response.VerifiesWith(client.Key()));
        Assert.Equal("turnserver", response.Software);
        Assert.Single(harness.Relays.Opened);
        Assert.Equal(relayed, harness.Relays.Opened[0].LocalAddress);
    }

    [Theory]
    [InlineData(10_000u, 3600u)]
    [InlineData(1800u, 1800u)]
    [InlineData(60u, 600u)]
    public void RequestedLifetime_IsClampedBetweenDefaultAndMaximum(uint requested, uint granted)
    {
        var client = new EngineHarness().Client();
        var response = client.Allocate((ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, requested));
        Assert.Equal(granted, response.Lifetime);
    }

    [Fact]
    public void RetransmittedAllocate_GetsTheSameAnswer_WithoutASecondRelay_WhileAnotherTransactionGets437()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        var first = client.Allocate();
        var createdBy = first.Read().TransactionId;

        var again = client.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), createdBy, signed: true));
        Assert.True(again.IsSuccess);
        Assert.Equal(first.RelayedAddress, again.RelayedAddress);
        Assert.Single(harness.Relays.Opened);

        var other = client.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: true));
        Assert.Equal(437, other.ErrorCode);
    }

    [Fact]
    public void AllocationExpiredButNotYetSwept_MakesWayForANewAllocate()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        var first = client.Allocate();
        harness.Time.Advance(TimeSpan.FromMinutes(11));
        var second = client.Allocate();
        Assert.True(second.IsSuccess, $"error {second.ErrorCode}");
        Assert.True(harness.Relays.Opened[0].Disposed);
        Assert.Equal(1, harness.Engine.Allocations.Count);
        Assert.NotNull(first.RelayedAddress);
    }

    [Fact]
    public void RetransmittedAllocate_RepeatsTheAddressErrorCodeOfTheFirstAnswer()
    {
        var harness = new EngineHarness(ipv6: false);
        var client = harness.Client();
        WriteAttributes dual = (ref StunMessageWriter w) =>
        {
            w.WriteRequestedTransport(TransportProtocol.Udp);
            w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6);
        };
        var first = client.Request(StunMethod.Allocate, dual);
        var again = client.Send(client.Build(StunMethod.Allocate, dual, first.Read().TransactionId, signed: true));
        Assert.True(again.IsSuccess);
        Assert.True(again.Read().TryGetAddressErrorCode(out var family, out var code, out _));
        Assert.Equal((StunAddressFamily.IPv6, 440), (family, code));
    }

    [Fact]
    public void AdditionalAddressFamilyWithEvenPortReservation_Is400()
    {
        var response = new EngineHarness().Client().Allocate((ref StunMessageWriter w) =>
        {
            w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6);
            w.WriteEvenPort(true);
        });
        Assert.Equal(400, response.ErrorCode);
    }

    [Fact]
    public void MissingRequestedTransport_Is400()
    {
        var client = new EngineHarness().Client();
        Assert.Equal(400, client.Request(StunMethod.Allocate).ErrorCode);
    }

    [Fact]
    public void UnknownRequestedTransport_Is442()
    {
        var client = new EngineHarness().Client();
        var response = client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport((TransportProtocol)132)); // SCTP
        Assert.Equal(442, response.ErrorCode);
        Assert.True(response.VerifiesWith(client.Key()));
    }

    [Fact]
    public void RequestedAddressFamilyIPv6_GivesAnIPv6Relay_Or440WithoutOne()
    {
        var response = new EngineHarness().Client().Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6));
        Assert.Equal(EngineHarness.RelayIPv6.WithPort(response.RelayedAddress!.Value.Port), response.RelayedAddress);

        var client = new EngineHarness(ipv6: false).Client();
        Assert.Equal(440, client.Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6)).ErrorCode);
        Assert.True(new EngineHarness(ipv6: false).Client().Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv4)).IsSuccess);
    }

    [Fact]
    public void UnknownAddressFamily_Is440()
    {
        var client = new EngineHarness().Client();
        Assert.Equal(440, client.Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.RequestedAddressFamily, (StunAddressFamily)3)).ErrorCode);
    }

    [Fact]
    public void DualAllocation_GivesOneRelayedAddressPerFamily()
    {
        var harness = new EngineHarness();
        var response = harness.Client().Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        var relayed = new List<TransportAddress>();
        foreach (var attribute in response.Read().Attributes)
        {
            if (attribute.Type == StunAttributeType.XorRelayedAddress && response.Read().TryDecodeXorAddress(attribute.Value, out var address))
            {
                relayed.Add(address);
            }
        }

        Assert.Equal([StunAddressFamily.IPv4, StunAddressFamily.IPv6], relayed.Select(a => a.Family));
        Assert.False(response.Has(StunAttributeType.AddressErrorCode));
        Assert.Equal(2, harness.Relays.Opened.Count);
    }

    [Fact]
    public void AdditionalAddressFamilyIPv6_WithoutAnIPv6Relay_AllocatesIPv4_AndReportsTheIPv6Failure()
    {
        var response = new EngineHarness(ipv6: false).Client().Allocate((ref StunMessageWriter w) => w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        Assert.True(response.IsSuccess);
        Assert.True(response.Read().TryGetAddressErrorCode(out var family, out var code, out _));
        Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(440, code);
    }

    [Fact]
    public void UnknownComprehensionRequiredAttribute_Is420_ListingIt()
    {
        var client = new EngineHarness().Client();
        var response = client.Allocate((ref StunMessageWriter w) => w.WriteAttribute((StunAttributeType)0x0031, [1, 2, 3, 4]));
        Assert.Equal(420, response.ErrorCode);
        Assert.Equal([(ushort)0x0031], response.UnknownAttributes);
        Assert.True(response.VerifiesWith(client.Key()));
    }

    [Fact]
    public void UnknownComprehensionOptionalAttribute_IsIgnored()
    {
        var client = new EngineHarness().Client();
        Assert.True(client.Allocate((ref StunMessageWriter w) => w.WriteAttribute((StunAttributeType)0xC057, [0, 1, 0, 0])).IsSuccess);
    }

    [Fact]
    public void DontFragment_IsPassedToTheRelaySocket()
    {
        var harness = new EngineHarness();
        Assert.True(harness.Client().Allocate((ref StunMessageWriter w) => w.WriteAttribute(StunAttributeType.DontFragment, [])).IsSuccess);
        Assert.True(harness.Relays.LastDontFragment);
    }

    [Fact]
    public void EvenPort_GivesAnEvenPort()
    {
        for (var i = 0; i < 10; i++)
        {
            var response = new EngineHarness().Client().Allocate((ref StunMessageWriter w) => w.WriteEvenPort(false));
            Assert.Equal(0, response.RelayedAddress!.Value.Port % 2);
            Assert.Null(response.ReservationToken);
        }
    }

    [Fact]
    public void EvenPortWithReservation_KeepsTheNextPortForTheToken()
    {
        var harness = new EngineHarness();
        var first = harness.Client().Allocate((ref StunMessageWriter w) => w.WriteEvenPort(true));
        var token = first.ReservationToken!.Value;
        var evenPort = first.RelayedAddress!.Value.Port;
        Assert.Equal(0, evenPort % 2);

        var second = harness.Client("198.51.100.10:50002").Allocate((ref StunMessageWriter w) => w.WriteReservationToken(token));
        Assert.Equal(evenPort + 1, second.RelayedAddress!.Value.Port);

        var reused = harness.Client("198.51.100.10:50004").Allocate((ref StunMessageWriter w) => w.WriteReservationToken(token));
        Assert.Equal(508, reused.ErrorCode);
    }

    [Fact]
    public void ReservationToken_ExpiresAfter30Seconds()
    {
        var harness = new EngineHarness();
        var token = harness.Client().Allocate((ref StunMessageWriter w) => w.WriteEvenPort(true)).ReservationToken!.Value;
        harness.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(508, harness.Client("198.51.100.10:50002").Allocate((ref StunMessageWriter w) => w.WriteReservationToken(token)).ErrorCode);
    }

    [Fact]
    public void ReservationTokenWithEvenPort_Is400()
    {
        var client = new EngineHarness().Client();
        var response = client.Allocate((ref StunMessageWriter w) =>
        {
            w.WriteEvenPort(false);
            w.WriteReservationToken(42);
        });
        Assert.Equal(400, response.ErrorCode);
    }

    [Fact]
    public void UserQuota_Is486_AndFreesWhenAnAllocationEnds()
    {
        var harness = new EngineHarness(o => o with { UserQuota = 2 });
        Assert.True(harness.Client("198.51.100.10:1").Allocate().IsSuccess);
        var second = harness.Client("198.51.100.10:2");
        Assert.True(second.Allocate().IsSuccess);
        Assert.Equal(486, harness.Client("198.51.100.10:3").Allocate().ErrorCode);
        Assert.True(harness.Client("198.51.100.10:4", "bob", "bob-password").Allocate().IsSuccess);

        Assert.True(second.Refresh(0).IsSuccess);
        Assert.True(harness.Client("198.51.100.10:3").Allocate().IsSuccess);
    }

    [Fact]
    public void TotalQuota_Is486()
    {
        var harness = new EngineHarness(o => o with { TotalQuota = 1 });
        Assert.True(harness.Client("198.51.100.10:1").Allocate().IsSuccess);
        Assert.Equal(486, harness.Client("198.51.100.10:2", "bob", "bob-password").Allocate().ErrorCode);
    }

    [Fact]
    public void ExhaustedPortRange_Is508_AndRecoversWhenAllocationsEnd()
    {
        var harness = new EngineHarness(o => o with { MinRelayPort = 50000, MaxRelayPort = 50002 });
        var clients = Enumerable.Range(1, 3).Select(i => harness.Client($"198.51.100.10:{i}")).ToArray();
        Assert.All(clients, c => Assert.True(c.Allocate().IsSuccess));
        Assert.Equal(508, harness.Client("198.51.100.10:9").Allocate().ErrorCode);

        harness.Time.Advance(TimeSpan.FromMinutes(11));
        harness.Engine.Sweep();
        Assert.True(harness.Client("198.51.100.10:9").Allocate().IsSuccess);
    }

    [Fact]
    public void PortsTakenByOtherProcesses_AreSkipped()
    {
        var harness = new EngineHarness(o => o with { MinRelayPort = 50000, MaxRelayPort = 50003 });
        harness.Relays.TakenElsewhere.UnionWith([50000, 50001, 50002]);
        Assert.Equal(50003, harness.Client().Allocate().RelayedAddress!.Value.Port);
    }

    [Fact]
    public void ExternalIP_IsAdvertisedInXorRelayedAddress_WhileTheSocketBindsTheRelayIP()
    {
        var external = TransportAddress.Parse("198.51.100.200:0");
        var harness = new EngineHarness(o => o with { RelayAddresses = [new RelayAddress(EngineHarness.RelayIP, external)] });
        var relayed = harness.Client().Allocate().RelayedAddress!.Value;
        Assert.Equal(external.WithPort(relayed.Port), relayed);
        Assert.Equal(EngineHarness.RelayIP.WithPort(relayed.Port), harness.Relays.Opened[0].LocalAddress);
    }
}
