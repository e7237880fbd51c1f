using System.Net;
using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Checks;

/// <summary>
/// Connectivity checks as ICE makes them (RFC 8445 section 7.2): a Binding request with USERNAME
/// "receiver-ufrag:sender-ufrag" and MESSAGE-INTEGRITY keyed by the receiver's password, answered
/// with the address it came from and signed with the same password. Only someone who read the
/// session description can make one, so a stranger can neither pass a check nor answer one.
/// Application datagrams carry a first byte STUN never has, so one socket carries both.
/// </summary>
internal static class CheckMessages
{
    /// <summary>First byte of an application datagram: STUN's first two bits are zero, ChannelData's 01.</summary>
    public const byte DataMarker = 0xD0;

    /// <summary>
    /// Our own comprehension-optional attribute (RFC 8489 section 18.3's 0x8000-0xFFFF range): a
    /// check that carries it says the sender has closed the connection. Signed like any check, so
    /// only the peer can close it.
    /// </summary>
    public const StunAttributeType ConnectionClose = (StunAttributeType)0xC0C0;

    private const int MaxLength = 600;

    public static byte[] Request(TransactionId id, string receiverUfrag, string senderUfrag, string receiverPassword, bool nominate, bool close = false)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        writer.WriteUtf8(StunAttributeType.Username, $"{receiverUfrag}:{senderUfrag}");
        if (nominate)
        {
            writer.WriteAttribute(StunAttributeType.UseCandidate, []);
        }

        if (close)
        {
            writer.WriteAttribute(ConnectionClose, []);
        }

        writer.WriteMessageIntegrity(Encoding.UTF8.GetBytes(receiverPassword));
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    public static byte[] Response(TransactionId id, IPEndPoint from, string password)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, id);
        writer.WriteXorAddress(StunAttributeType.XorMappedAddress, TransportAddress.FromIPEndPoint(from));
        writer.WriteMessageIntegrity(Encoding.UTF8.GetBytes(password));
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>A check addressed to us (USERNAME starts with our ufrag) and signed with our password.</summary>
    public static bool IsValidRequest(ReadOnlySpan<byte> packet, string localUfrag, string localPassword, out TransactionId id, out bool nominated, out bool closing)
    {
        id = default;
        nominated = false;
        closing = false;
        if (StunMessage.Read(packet, out var message) != StunReadStatus.Ok || message.Type != StunMessageType.BindingRequest
            || !message.TryGetAttribute(StunAttributeType.Username, out var username)
            || !Encoding.UTF8.GetString(username).StartsWith(localUfrag + ":", StringComparison.Ordinal)
            || !message.VerifyMessageIntegrity(Encoding.UTF8.GetBytes(localPassword)))
        {
            return false;
        }

        id = message.TransactionId;
        nominated = message.HasAttribute(StunAttributeType.UseCandidate);
        closing = message.HasAttribute(ConnectionClose);
        return true;
    }

    /// <summary>A Binding success signed with the password the request was signed with.</summary>
    public static bool IsValidResponse(ReadOnlySpan<byte> packet, string remotePassword) =>
        StunMessage.Read(packet, out var message) == StunReadStatus.Ok && message.Type == StunMessageType.BindingSuccess
        && message.VerifyMessageIntegrity(Encoding.UTF8.GetBytes(remotePassword));

    /// <summary>A STUN response's transaction id, to match it to what we sent.</summary>
    public static bool IsResponse(ReadOnlySpan<byte> packet, out TransactionId id)
    {
        id = default;
        if (StunMessage.Read(packet, out var message) != StunReadStatus.Ok || message.Type.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse))
        {
            return false;
        }

        id = message.TransactionId;
        return true;
    }

    public static bool IsRequest(ReadOnlySpan<byte> packet) => packet.Length >= StunConstants.HeaderLength && packet[0] >> 6 == 0 && packet[0] == 0 && packet[1] == 1;
}
