using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class AuthenticationTests
{
    [Fact]
    public void WrongPassword_Is401WithAFreshNonce()
    {
        var client = new EngineHarness().Client(password: "wrong");
        var response = client.Allocate();
        Assert.Equal(401, response.ErrorCode);
        Assert.NotNull(response.Nonce);
        Assert.False(response.Has(StunAttributeType.MessageIntegrity));
    }

    [Fact]
    public void UnknownUser_Is401()
    {
        Assert.Equal(401, new EngineHarness().Client(user: "mallory", password: "x").Allocate().ErrorCode);
    }

    [Fact]
    public void WrongRealm_Is401()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        client.Realm = "other.example";
        Assert.Equal(401, client.Refresh().ErrorCode);
    }

    [Fact]
    public void NonceOlderThanTheLifetime_Is438WithANewNonce_AndTheRetryWorks()
    {
        var harness = new EngineHarness(o => o with { NonceLifetime = TimeSpan.FromMinutes(10) });
        var client = harness.Client();
        Assert.True(client.Allocate((ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 3600)).IsSuccess);
        var oldNonce = client.Nonce;

        harness.Time.Advance(TimeSpan.FromMinutes(11));
        var stale = client.Send(client.Build(StunMethod.Refresh, null, TransactionId.NewRandom(), signed: true));
        Assert.Equal(438, stale.ErrorCode);
        Assert.NotEqual(oldNonce, stale.Nonce);
        Assert.Equal(EngineHarness.Realm, stale.Realm);

        client.Nonce = stale.Nonce;
        Assert.True(client.Refresh().IsSuccess);
    }

    [Fact]
    public void NonceFromAnotherClientAddress_Is438()
    {
        var harness = new EngineHarness();
        var first = harness.Client("198.51.100.10:1");
        first.Allocate();
        var second = harness.Client("198.51.100.11:1");
        second.Nonce = first.Nonce;
        var response = second.Send(second.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: true));
        Assert.Equal(438, response.ErrorCode);
    }

    [Fact]
    public void ForgedNonce_Is438()
    {
        var client = new EngineHarness().Client();
        client.Nonce = "obMatJos2wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var response = client.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: true));
        Assert.Equal(438, response.ErrorCode);
    }

    [Fact]
    public void IntegrityWithoutNonce_Is400()
    {
        var client = new EngineHarness().Client();
        var writer = new StunMessageWriter(new byte[512], new StunMessageType(StunMethod.Allocate, StunClass.Request), TransactionId.NewRandom());
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteUtf8(StunAttributeType.Realm, EngineHarness.Realm);
        writer.WriteMessageIntegrity(client.Key());
        Assert.Equal(400, client.Send(writer.Written.ToArray()).ErrorCode);
    }

    [Fact]
    public void RestCredentials_AreAccepted_UntilTheyExpire()
    {
        var harness = new EngineHarness();
        var username = TestClient.RestUsername(harness.Time.GetUtcNow().AddHours(1));
        var password = harness.Credentials.Rest!.PasswordFor(username);
        Assert.True(harness.Client(user: username, password: password).Allocate().IsSuccess);

        var expired = TestClient.RestUsername(harness.Time.GetUtcNow().AddSeconds(-1));
        Assert.Equal(401, harness.Client("198.51.100.10:2", expired, harness.Credentials.Rest.PasswordFor(expired)).Allocate().ErrorCode);
    }

    [Fact]
    public void RestPassword_IsBase64OfHmacSha1OfTheUsername()
    {
        var harness = new EngineHarness();
        var username = "1795000000:carol";
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("rest-secret-1"u8, System.Text.Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, harness.Credentials.Rest!.PasswordFor(username));
    }

    [Fact]
    public void RestCredentials_FromAnyOfTheRotatingSecrets_AreAccepted()
    {
        var harness = new EngineHarness(restSecrets: ["new-secret", "old-secret"]);
        var username = TestClient.RestUsername(harness.Time.GetUtcNow().AddHours(1));
        var oldPassword = new RestApiSecrets(["old-secret"], EngineHarness.Realm, harness.Time).PasswordFor(username);
        Assert.True(harness.Client(user: username, password: oldPassword).Allocate().IsSuccess);

        var retired = new RestApiSecrets(["retired"], EngineHarness.Realm, harness.Time).PasswordFor(username);
        Assert.Equal(401, harness.Client("198.51.100.10:2", username, retired).Allocate().ErrorCode);
    }

    [Fact]
    public void UserGivenAsAPrecomputedKey_Authenticates()
    {
        var key = new byte[16];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, "dave", EngineHarness.Realm, "dave-password", key);
        var user = StaticUser.Parse("dave:0x" + Convert.ToHexStringLower(key), EngineHarness.Realm);
        Assert.Null(user.Sha256Key);
        var harness = new EngineHarness(moreUsers: [user]);
        Assert.True(harness.Client(user: "dave", password: "dave-password").Allocate().IsSuccess);
        Assert.Equal(401, harness.Client("198.51.100.10:2", "dave", "other").Allocate().ErrorCode);
    }

    [Fact]
    public void Sha256Client_AuthenticatesWithMessageIntegritySha256_AndIsAnsweredInKind()
    {
        var client = new EngineHarness().Client();
        client.UseSha256 = true;
        var response = client.Allocate();
        Assert.True(response.IsSuccess, $"error {response.ErrorCode}");
        Assert.True(response.Read().VerifyMessageIntegritySha256(client.Key(PasswordAlgorithm.Sha256)));
        Assert.False(response.Has(StunAttributeType.MessageIntegrity));
    }

    [Fact]
    public void PasswordAlgorithmsNotEchoedUnchanged_Is400()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        var writer = new StunMessageWriter(new byte[512], new StunMessageType(StunMethod.Refresh, StunClass.Request), TransactionId.NewRandom());
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteUtf8(StunAttributeType.Realm, EngineHarness.Realm);
        writer.WriteUtf8(StunAttributeType.Nonce, client.Nonce!);
        writer.WritePasswordAlgorithms([PasswordAlgorithm.Md5]); // a downgrade attempt: the server offered SHA-256 first
        writer.WritePasswordAlgorithm(PasswordAlgorithm.Md5);
        writer.WriteMessageIntegrity(client.Key());
        Assert.Equal(400, client.Send(writer.Written.ToArray()).ErrorCode);
    }

    [Fact]
    public void Userhash_StandsInForTheUsername()
    {
        var client = new EngineHarness().Client();
        client.Allocate();
        var userhash = new byte[32];
        LongTermCredentials.ComputeUserhash("alice"u8, System.Text.Encoding.UTF8.GetBytes(EngineHarness.Realm), userhash);
        var writer = new StunMessageWriter(new byte[512], new StunMessageType(StunMethod.Refresh, StunClass.Request), TransactionId.NewRandom());
        writer.WriteAttribute(StunAttributeType.Userhash, userhash);
        writer.WriteUtf8(StunAttributeType.Realm, EngineHarness.Realm);
        writer.WriteUtf8(StunAttributeType.Nonce, client.Nonce!);
        writer.WritePasswordAlgorithms([PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5]);
        writer.WritePasswordAlgorithm(PasswordAlgorithm.Sha256);
        writer.WriteMessageIntegritySha256(client.Key(PasswordAlgorithm.Sha256));
        Assert.True(client.Send(writer.Written.ToArray()).IsSuccess);
    }

    [Fact]
    public void WithoutSha256Offer_TheNonceHasNoCookieAndNoAlgorithmsAreOffered()
    {
        var client = new EngineHarness(o => o with { OfferSha256 = false }).Client();
        var challenge = client.Send(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: false));
        Assert.DoesNotContain("obMatJos2", challenge.Nonce, StringComparison.Ordinal);
        Assert.False(challenge.Has(StunAttributeType.PasswordAlgorithms));
        Assert.True(client.Allocate().IsSuccess);
    }

    [Fact]
    public void LaterRequestsFromAnotherUser_Are441()
    {
        var harness = new EngineHarness();
        harness.Client().Allocate();
        var bob = harness.Client(user: "bob", password: "bob-password");
        Assert.Equal(441, bob.Refresh().ErrorCode);
        Assert.Equal(441, bob.CreatePermission("198.51.100.7:1").ErrorCode);
    }
}
