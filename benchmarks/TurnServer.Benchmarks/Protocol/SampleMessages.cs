using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Benchmarks.Protocol;

/// <summary>Messages shaped like what browsers send: built once, outside the measured code.</summary>
internal static class SampleMessages
{
    public static readonly byte[] ShortTermKey = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();

    public static byte[] LongTermKey()
    {
        var key = new byte[LongTermCredentials.Md5KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, "alice", "example.org", "correct horse battery staple", key);
        return key;
    }

    /// <summary>A Binding request as Chrome's ICE agent sends it (RFC 5769 section 2.1 shape).</summary>
    public static byte[] BindingRequest()
    {
        var writer = new StunMessageWriter(new byte[256], StunMessageType.BindingRequest, TransactionId.NewRandom());
        writer.WriteUtf8(StunAttributeType.Software, "STUN test client");
        writer.WriteUInt32(StunAttributeType.Priority, 0x6e0001ff);
        writer.WriteAttribute(StunAttributeType.IceControlled, [0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36]);
        writer.WriteUtf8(StunAttributeType.Username, "evtj:h6vY");
        writer.WriteMessageIntegrity(ShortTermKey);
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>An authenticated Allocate request as a browser sends it after the 401.</summary>
    public static byte[] AuthenticatedAllocate(byte[] key)
    {
        var writer = new StunMessageWriter(new byte[256], new StunMessageType(StunMethod.Allocate, StunClass.Request), TransactionId.NewRandom());
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteUtf8(StunAttributeType.Realm, "example.org");
        writer.WriteUtf8(StunAttributeType.Nonce, "obMatJos2gAAAadl7W7PeDU4hKE72jda");
        writer.WriteMessageIntegrity(key);
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    public static TransportAddress ClientAddress { get; } = TransportAddress.Parse("203.0.113.50:50123");
}
