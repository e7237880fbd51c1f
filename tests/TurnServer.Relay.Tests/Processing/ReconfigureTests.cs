using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Policy;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class ReconfigureTests
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void NewUsersAndSecrets_ApplyToTheNextRequest_LiveAllocationsCarryOn()
    {
        var harness = new EngineHarness();
        var alice = harness.Client();
        alice.Allocate();
        alice.CreatePermission(Peer.ToString());

        harness.Engine.Reconfigure(harness.Options, new CredentialStore([StaticUser.FromPassword("carol", "carol-password", EngineHarness.Realm)], null));

        alice.SendIndication(Peer.ToString(), [1, 2]);
        Assert.Single(harness.RelayOf(alice.Address).Sent);
        Assert.Equal(1, harness.Engine.Allocations.Count);
        Assert.Equal(401, harness.Client("198.51.100.11:50000", "bob", "bob-password").Allocate().ErrorCode);
        Assert.True(harness.Client("198.51.100.12:50000", "carol", "carol-password").Allocate().IsSuccess);
    }

    [Fact]
    public void NewPeerRulesAndQuotas_ApplyToTheNextRequest()
    {
        var harness = new EngineHarness();
        var alice = harness.Client();
        alice.Allocate();
        var denied = new PeerAddressPolicy([], [IPRange.Parse("198.51.100.0/24")], allowLoopback: false);

        harness.Engine.Reconfigure(harness.Options with { PeerPolicy = denied, UserQuota = 1 }, harness.Credentials);

        Assert.Equal(403, alice.CreatePermission(Peer.ToString()).ErrorCode);
        Assert.Equal(486, harness.Client("198.51.100.11:50000").Allocate().ErrorCode);
    }

    [Fact]
    public void ChangesThatNeedARestart_AreRefused_AndNothingChanges()
    {
        var harness = new EngineHarness();

        var realm = Assert.Throws<InvalidOptionsException>(() => harness.Engine.Reconfigure(harness.Options with { Realm = "other.example", UserQuota = 1 }, harness.Credentials));
        var ports = Assert.Throws<InvalidOptionsException>(() => harness.Engine.Reconfigure(harness.Options with { MinRelayPort = 50010, MaxRelayPort = 50020 }, harness.Credentials));

        // Only what changed and needs a restart is named, by property: the host names its keys.
        Assert.Equal(["Realm"], realm.Properties);
        Assert.Equal(["MinRelayPort", "MaxRelayPort"], ports.Properties);
        Assert.Equal("MinRelayPort, MaxRelayPort take effect only on a restart.", ports.Message);

        Assert.True(harness.Client().Allocate().IsSuccess);
        Assert.True(harness.Client("198.51.100.11:50000").Allocate().IsSuccess);
    }
}
