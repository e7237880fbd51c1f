using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Processing;

public class BindingTests
{
    [Fact]
    public void Binding_NeedsNoCredentials_AndReturnsTheXorMappedAddress()
    {
        var client = new EngineHarness().Client("[2001:db8::5]:61000");
        var response = client.Send(client.Build(StunMethod.Binding, null, TransactionId.NewRandom(), signed: false));
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(TransportAddress.Parse("[2001:db8::5]:61000"), response.MappedAddress);
        Assert.True(response.Read().VerifyFingerprint());
    }

    [Fact]
    public void ClassicRfc3489Binding_GetsMappedAddress_AndItsOwnCookieBack()
    {
        var client = new EngineHarness().Client();
        var request = new byte[20];
        request[1] = 0x01;
        Array.Fill(request, (byte)0xAB, 4, 16);
        var response = client.Send(request);
        var message = response.Read();
        Assert.True(message.IsRfc3489);
        Assert.Equal(request[4..20], response.Bytes[4..20]);
        Assert.True(message.TryGetAddress(StunAttributeType.MappedAddress, out var mapped));
        Assert.Equal(client.Address, mapped);
        Assert.False(message.HasAttribute(StunAttributeType.XorMappedAddress));
    }

    [Fact]
    public void ChangeRequest_Is420_WithoutAnAlternateAddress()
    {
        var client = new EngineHarness().Client();
        var response = client.Send(client.Build(StunMethod.Binding, (ref StunMessageWriter w) => w.WriteChangeRequest(ChangeRequest.ChangeIP), TransactionId.NewRandom(), signed: false));
        Assert.Equal(420, response.ErrorCode);
        Assert.Equal([(ushort)StunAttributeType.ChangeRequest], response.UnknownAttributes);
    }

    [Fact]
    public void MalformedOrUnfingerprintedMessages_AreDroppedSilently()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        var request = client.Build(StunMethod.Binding, null, TransactionId.NewRandom(), signed: false);
        request[^1] ^= 0xFF; // break the fingerprint
        Assert.Null(client.SendRaw(request));
        Assert.Null(client.SendRaw(request[..^4]));
        Assert.Null(client.SendRaw([0x00, 0x01]));
        Assert.Null(client.SendRaw([]));
    }

    [Fact]
    public void ResponsesToRequests_AreIgnored()
    {
        var client = new EngineHarness().Client();
        Assert.Null(client.SendRaw(client.Build(StunMethod.Binding, null, TransactionId.NewRandom(), signed: false, StunClass.SuccessResponse)));
    }

    [Fact]
    public void UnknownMethod_Is400()
    {
        var client = new EngineHarness().Client();
        Assert.Equal(400, client.Send(client.Build((StunMethod)0x0FF, null, TransactionId.NewRandom(), signed: false)).ErrorCode);
    }

    [Fact]
    public void NoSoftwareAttribute_WhenTheOperatorTurnsItOff()
    {
        var client = new EngineHarness(o => o with { Software = null }).Client();
        Assert.Null(client.Allocate().Software);
    }
}
