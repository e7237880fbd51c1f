using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Relay.Processing;

/// <summary>
/// Starts a response to a request and finishes it with what every response carries: SOFTWARE,
/// integrity under the request's key (the same kind the request used), and FINGERPRINT when the
/// request had one or the operator asked for it. Unauthenticated responses add nothing optional
/// that would make them larger than the request (no amplification).
/// </summary>
internal ref struct ResponseBuilder
{
    private readonly ReadOnlySpan<byte> _key;
    private readonly bool _sha256;
    private readonly bool _fingerprint;
    private readonly int _requestLength;
    private readonly string? _software;

    public StunMessageWriter Writer;

    public ResponseBuilder(Span<byte> buffer, in StunMessage request, StunClass responseClass, ReadOnlySpan<byte> key, bool sha256, bool fingerprint, string? software)
        : this(buffer, request.Type with { Class = responseClass }, request.TransactionId, request.Cookie, request.Length, key, sha256, fingerprint, software)
    {
    }

    public ResponseBuilder(Span<byte> buffer, StunMessageType type, TransactionId transactionId, uint cookie, int requestLength, ReadOnlySpan<byte> key, bool sha256, bool fingerprint, string? software)
    {
        Writer = new StunMessageWriter(buffer, type, transactionId, cookie);
        _key = key;
        _sha256 = sha256;
        _fingerprint = fingerprint;
        _requestLength = requestLength;
        _software = software;
    }

    private readonly bool Authenticated => !_key.IsEmpty;

    public int Finish()
    {
        var softwareLength = _software is null ? 0 : StunConstants.AttributeHeaderLength + StunConstants.Pad(_software.Length);
        if (_software is not null && (Authenticated || Writer.Length + softwareLength + Trailer() <= _requestLength))
        {
            Writer.WriteUtf8(StunAttributeType.Software, _software);
        }

        if (Authenticated)
        {
            if (_sha256)
            {
                Writer.WriteMessageIntegritySha256(_key);
            }
            else
            {
                Writer.WriteMessageIntegrity(_key);
            }
        }

        if (_fingerprint)
        {
            Writer.WriteFingerprint();
        }

        return Writer.Length;
    }

    private readonly int Trailer() => (Authenticated ? 36 : 0) + (_fingerprint ? 8 : 0);
}
