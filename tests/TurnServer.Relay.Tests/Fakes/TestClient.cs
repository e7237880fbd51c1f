using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Relay.Tests.Fakes;

internal delegate void WriteAttributes(ref StunMessageWriter writer);

/// <summary>
/// A TURN client as browsers behave: the first request goes without credentials, the 401 supplies
/// realm and nonce, and later requests carry USERNAME, REALM, NONCE and MESSAGE-INTEGRITY.
/// </summary>
internal sealed class TestClient(EngineHarness harness, TransportAddress address, string user, string password)
{
    public TransportAddress Address { get; } = address;

    public string? Nonce { get; set; }

    public string Realm { get; set; } = EngineHarness.Realm;

    public bool UseSha256 { get; set; }

    public bool AddFingerprint { get; set; } = true;

    public byte[] Key(PasswordAlgorithm algorithm = PasswordAlgorithm.Md5)
    {
        var key = new byte[LongTermCredentials.KeyLength(algorithm)];
        LongTermCredentials.DeriveKey(algorithm, user, Realm, password, key);
        return key;
    }

    /// <summary>Sends a request; on 401 or 438 takes the nonce and sends it again, signed, as a client would.</summary>
    public Response Request(StunMethod method, WriteAttributes? attributes = null, TransactionId? transactionId = null)
    {
        var id = transactionId ?? TransactionId.NewRandom();
        var response = Send(Build(method, attributes, id, signed: Nonce is not null));
        if (response.ErrorCode is 401 or 438 && response.Nonce is not null)
        {
            Nonce = response.Nonce;
            response = Send(Build(method, attributes, TransactionId.NewRandom(), signed: true));
        }

        return response;
    }

    public Response Allocate(WriteAttributes? extra = null, TransactionId? transactionId = null) => Request(StunMethod.Allocate, (ref StunMessageWriter w) =>
    {
        w.WriteRequestedTransport(TransportProtocol.Udp);
        extra?.Invoke(ref w);
    }, transactionId);

    public Response CreatePermission(params string[] peers) => Request(StunMethod.CreatePermission, (ref StunMessageWriter w) =>
    {
        foreach (var peer in peers)
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse(peer));
        }
    });

    public Response ChannelBind(ushort channel, string peer) => Request(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
    {
        w.WriteChannelNumber(channel);
        w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse(peer));
    });

    public Response Refresh(uint? lifetime = null) => Request(StunMethod.Refresh, (ref StunMessageWriter w) =>
    {
        if (lifetime is { } seconds)
        {
            w.WriteUInt32(StunAttributeType.Lifetime, seconds);
        }
    });

    /// <summary>TCP for a client on a stream connection (RFC 6062 tests); UDP otherwise.</summary>
    public TransportProtocol Protocol { get; set; } = TransportProtocol.Udp;

    /// <summary>The listener the client's messages arrive on; the harness's UDP one unless set.</summary>
    public Relaying.IClientTransport? Transport { get; set; }

    public Response Send(byte[] message) => harness.Send(message, Address, Protocol, Transport) ?? throw new Xunit.Sdk.XunitException("no response");

    public Response? SendRaw(byte[] message) => harness.Send(message, Address, Protocol, Transport);

    public byte[] Build(StunMethod method, WriteAttributes? attributes, TransactionId id, bool signed, StunClass messageClass = StunClass.Request)
    {
        var writer = new StunMessageWriter(new byte[1500], new StunMessageType(method, messageClass), id);
        attributes?.Invoke(ref writer);
        if (signed)
        {
            writer.WriteUtf8(StunAttributeType.Username, user);
            writer.WriteUtf8(StunAttributeType.Realm, Realm);
            writer.WriteUtf8(StunAttributeType.Nonce, Nonce ?? "");
            if (UseSha256)
            {
                writer.WritePasswordAlgorithms([PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5]);
                writer.WritePasswordAlgorithm(PasswordAlgorithm.Sha256);
                writer.WriteMessageIntegritySha256(Key(PasswordAlgorithm.Sha256));
            }
            else
            {
                writer.WriteMessageIntegrity(Key());
            }
        }

        if (AddFingerprint)
        {
            writer.WriteFingerprint();
        }

        return writer.Written.ToArray();
    }

    public byte[] SendIndication(string peer, byte[] data)
    {
        var message = Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, TransportAddress.Parse(peer));
            w.WriteAttribute(StunAttributeType.Data, data);
        }, TransactionId.NewRandom(), signed: false, StunClass.Indication);
        Assert.Null(harness.Send(message, Address, Protocol, Transport));
        return message;
    }

    public static string RestUsername(DateTimeOffset expiry, string userId = "carol") => $"{expiry.ToUnixTimeSeconds()}:{userId}";

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
