using TurnServer.Protocol.Stun;
using TurnServer.Relay.Authentication;

namespace TurnServer.Relay.Processing;

/// <summary>
/// What is needed to answer a request later, after its message is gone: a Connect is answered once the
/// TCP connection to the peer is made or has failed (RFC 6062 section 5.2).
/// </summary>
internal sealed class DeferredReply(in StunMessage request, in VerifiedCredentials credentials, bool fingerprint, string? software)
{
    private readonly StunMessageType _type = request.Type;
    private readonly TransactionId _transactionId = request.TransactionId;
    private readonly uint _cookie = request.Cookie;
    private readonly int _requestLength = request.Length;
    private readonly byte[] _key = credentials.Key.ToArray();
    private readonly bool _sha256 = credentials.Sha256Integrity;

    public ResponseBuilder Begin(Span<byte> buffer, StunClass responseClass) =>
        new(buffer, _type with { Class = responseClass }, _transactionId, _cookie, _requestLength, _key, _sha256, fingerprint, software);
}
