using System.Buffers.Binary;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// The long-term credential side of the test clients: builds requests, signed once a nonce is known,
/// and takes the nonce from a 401 or 438 as a real client does.
/// </summary>
internal sealed class LongTermSigner(string user, string password, string realm)
{
    private readonly byte[] _key = DeriveKey(user, password, realm);
    private string? _nonce;

    public byte[] Key => _key;

    public bool HasNonce => _nonce is not null;

    /// <param name="afterIntegrity">
    /// Whole attributes (see <see cref="RawAttribute"/>) appended after MESSAGE-INTEGRITY, which a server
    /// must ignore; no FINGERPRINT follows them.
    /// </param>
    public byte[] Build(StunMethod method, WriteAttributes? attributes, bool signed, StunClass messageClass, bool fingerprint, byte[]? afterIntegrity = null)
    {
        var writer = new StunMessageWriter(new byte[1500], new StunMessageType(method, messageClass), TransactionId.NewRandom());
        attributes?.Invoke(ref writer);
        if (signed)
        {
            writer.WriteUtf8(StunAttributeType.Username, user);
            writer.WriteUtf8(StunAttributeType.Realm, realm);
            writer.WriteUtf8(StunAttributeType.Nonce, _nonce!);
            writer.WriteMessageIntegrity(_key);
            if (afterIntegrity is not null)
            {
                byte[] message = [.. writer.Written, .. afterIntegrity];
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)(message.Length - StunConstants.HeaderLength));
                return message;
            }
        }

        if (fingerprint)
        {
            writer.WriteFingerprint();
        }

        return writer.Written.ToArray();
    }

    /// <summary>An attribute as it goes on the wire: type, length, value and padding.</summary>
    public static byte[] RawAttribute(StunAttributeType type, byte[] value)
    {
        var bytes = new byte[StunConstants.AttributeHeaderLength + StunConstants.Pad(value.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)value.Length);
        value.CopyTo(bytes, StunConstants.AttributeHeaderLength);
        return bytes;
    }

    /// <summary>True when the response was a challenge (401 or 438) and its nonce is now the one to sign with.</summary>
    public bool TakeChallenge(byte[] response)
    {
        if (UdpTurnClient.ErrorCode(response) is not (401 or 438) || StunMessage.Read(response, out var challenge) != StunReadStatus.Ok
            || !challenge.TryGetAttribute(StunAttributeType.Nonce, out var nonce))
        {
            return false;
        }

        _nonce = Encoding.UTF8.GetString(nonce);
        return true;
    }

    private static byte[] DeriveKey(string user, string password, string realm)
    {
        var key = new byte[LongTermCredentials.Md5KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, user, realm, password, key);
        return key;
    }
}
