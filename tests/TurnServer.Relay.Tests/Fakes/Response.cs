using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Relay.Tests.Fakes;

/// <summary>A response read into plain values, so tests can hold it past the span it came in.</summary>
internal sealed record Response(byte[] Bytes)
{
    public StunMessageType Type => Read().Type;

    public bool IsSuccess => Type.Class == StunClass.SuccessResponse;

    public int? ErrorCode => Read().TryGetErrorCode(out var code, out _) ? code : null;

    public string? Realm => Text(StunAttributeType.Realm);

    public string? Nonce => Text(StunAttributeType.Nonce);

    public string? Software => Text(StunAttributeType.Software);

    public TransportAddress? XorAddress(StunAttributeType type) => Read().TryGetXorAddress(type, out var address) ? address : null;

    public TransportAddress? RelayedAddress => XorAddress(StunAttributeType.XorRelayedAddress);

    public TransportAddress? MappedAddress => XorAddress(StunAttributeType.XorMappedAddress);

    public uint? Lifetime => Read().TryGetUInt32(StunAttributeType.Lifetime, out var seconds) ? seconds : null;

    public ulong? ReservationToken => Read().TryGetReservationToken(out var token) ? token : null;

    public bool Has(StunAttributeType type) => Read().HasAttribute(type);

    public ushort[] UnknownAttributes
    {
        get
        {
            var types = new ushort[16];
            return Read().TryGetUnknownAttributes(types, out var count) ? types[..count] : [];
        }
    }

    public bool VerifiesWith(byte[] key) => Read().VerifyMessageIntegrity(key);

    public StunMessage Read()
    {
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(Bytes, out var message));
        return message;
    }

    private string? Text(StunAttributeType type) => Read().TryGetAttribute(type, out var value) ? Encoding.UTF8.GetString(value) : null;
}
