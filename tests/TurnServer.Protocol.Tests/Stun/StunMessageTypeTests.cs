using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Tests.Stun;

public class StunMessageTypeTests
{
    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData(StunMethod.Allocate, StunClass.Request, 0x0003)]
    [InlineData(StunMethod.Allocate, StunClass.SuccessResponse, 0x0103)]
    [InlineData(StunMethod.Allocate, StunClass.ErrorResponse, 0x0113)]
    [InlineData(StunMethod.Refresh, StunClass.Request, 0x0004)]
    [InlineData(StunMethod.Send, StunClass.Indication, 0x0016)]
    [InlineData(StunMethod.Data, StunClass.Indication, 0x0017)]
    [InlineData(StunMethod.CreatePermission, StunClass.Request, 0x0008)]
    [InlineData(StunMethod.ChannelBind, StunClass.SuccessResponse, 0x0109)]
    [InlineData(StunMethod.Connect, StunClass.Request, 0x000A)]
    [InlineData(StunMethod.ConnectionBind, StunClass.Request, 0x000B)]
    [InlineData(StunMethod.ConnectionAttempt, StunClass.Indication, 0x001C)]
    public void Encode_InterleavesMethodAndClassBitsAsOnTheWire(StunMethod method, StunClass messageClass, int wire)
    {
        Assert.Equal(wire, StunMessageType.Encode(method, messageClass));
        Assert.Equal(new StunMessageType(method, messageClass), StunMessageType.Decode((ushort)wire));
    }

    [Fact]
    public void Decode_IsTheInverseOfEncode_ForEveryMethodAndClass()
    {
        for (var method = 0; method <= StunMessageType.MaxMethod; method++)
        {
            for (var messageClass = 0; messageClass < 4; messageClass++)
            {
                var type = new StunMessageType((StunMethod)method, (StunClass)messageClass);
                var value = type.Value;
                Assert.Equal(0, value & 0xC000);
                Assert.Equal(type, StunMessageType.Decode(value));
            }
        }
    }

    [Fact]
    public void ToSuccessAndToError_KeepTheMethod()
    {
        var request = new StunMessageType(StunMethod.ChannelBind, StunClass.Request);
        Assert.Equal(new StunMessageType(StunMethod.ChannelBind, StunClass.SuccessResponse), request.ToSuccess());
        Assert.Equal(new StunMessageType(StunMethod.ChannelBind, StunClass.ErrorResponse), request.ToError());
    }
}
