using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Fuzzing;

/// <summary>
/// Real messages to mutate: the RFC 5769 vectors, the captured browser Binding requests, and the
/// TURN messages our own clients send (Allocate, Refresh, CreatePermission, ChannelBind, Send, Data,
/// ChannelData), so mutations start from every attribute the server reads.
/// </summary>
internal static class FuzzSeeds
{
    public static IReadOnlyList<byte[]> Messages { get; } = [.. Rfc5769Vectors.All, .. BrowserRequests(), .. TurnMessages()];

    private static IEnumerable<byte[]> BrowserRequests() =>
        File.ReadLines(SharedData.PathOf(Path.Combine("test-vectors", "browser-binding-requests.csv")))
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("ip,", StringComparison.Ordinal))
            .Select(line => Convert.FromBase64String(line.Split(',')[1]));

    private static IEnumerable<byte[]> TurnMessages()
    {
        var peer = TransportAddress.Parse("198.51.100.7:40000");
        var peer6 = TransportAddress.Parse("[2001:db8::7]:40000");
        var key = new byte[16];
        yield return Build(StunMethod.Allocate, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.WriteRequestedTransport(TransportProtocol.Udp);
            w.WriteAddressFamily(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6);
            w.WriteUInt32(StunAttributeType.Lifetime, 600);
            w.WriteUtf8(StunAttributeType.Username, "alice");
            w.WriteUtf8(StunAttributeType.Realm, "example.org");
            w.WriteUtf8(StunAttributeType.Nonce, "obMatJos2wAAAnonce");
            w.WriteMessageIntegrity(key);
        });
        yield return Build(StunMethod.Refresh, StunClass.Request, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0));
        yield return Build(StunMethod.CreatePermission, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer6);
        });
        yield return Build(StunMethod.ChannelBind, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.WriteChannelNumber(0x4001);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
        });
        yield return Build(StunMethod.Send, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
            w.WriteAttribute(StunAttributeType.Data, "hello peer"u8);
        });
        yield return Build(StunMethod.Binding, StunClass.Request, (ref StunMessageWriter w) => w.WriteChangeRequest(ChangeRequest.ChangeIP | ChangeRequest.ChangePort));
        yield return Build(StunMethod.Allocate, StunClass.ErrorResponse, (ref StunMessageWriter w) =>
        {
            w.WriteErrorCode(StunErrorCode.Unauthorized);
            w.WriteUnknownAttributes([0x0003, 0x0027]);
        });
        var channelData = new byte[ChannelDataMessage.GetStreamLength(5)];
        ChannelDataMessage.Write(channelData, 0x4001, [1, 2, 3, 4, 5], padForStream: true);
        yield return channelData;
    }

    private delegate void Attributes(ref StunMessageWriter writer);

    private static byte[] Build(StunMethod method, StunClass messageClass, Attributes attributes)
    {
        var buffer = new byte[1024];
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, messageClass), TransactionId.NewRandom());
        attributes(ref writer);
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }
}
