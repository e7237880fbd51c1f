using System.Net;

namespace TurnServer.Client.Stun;

/// <summary>A Binding success: the address the server saw, its RFC 5780 attributes if any, who answered, and how long it took.</summary>
public sealed record BindingAnswer(IPEndPoint Mapped, IPEndPoint? OtherAddress, IPEndPoint? ResponseOrigin, IPEndPoint ReceivedFrom, TimeSpan RoundTrip)
{
    /// <summary>Reads a Binding success response; null when it is anything else.</summary>
    public static BindingAnswer? Read(ReadOnlySpan<byte> response, IPEndPoint receivedFrom, TimeSpan roundTrip)
    {
        if (Protocol.Stun.StunMessage.Read(response, out var message) != Protocol.Stun.StunReadStatus.Ok
            || message.Type != Protocol.Stun.StunMessageType.BindingSuccess)
        {
            return null;
        }

        // XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489 server.
        if (!message.TryGetXorAddress(Protocol.Attributes.StunAttributeType.XorMappedAddress, out var mapped)
            && !message.TryGetAddress(Protocol.Attributes.StunAttributeType.MappedAddress, out mapped))
        {
            return null;
        }

        return new BindingAnswer(
            mapped.ToIPEndPoint(),
            message.TryGetAddress(Protocol.Attributes.StunAttributeType.OtherAddress, out var other) ? other.ToIPEndPoint() : null,
            message.TryGetAddress(Protocol.Attributes.StunAttributeType.ResponseOrigin, out var origin) ? origin.ToIPEndPoint() : null,
            receivedFrom,
            roundTrip);
    }
}
