using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>
    /// RFC 8489 section 6.3.1: a Binding request needs no credentials and is answered with the
    /// client's address as the server saw it: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an RFC 3489
    /// client that would not understand the XOR form. On a listener of an RFC 5780 group it also
    /// honours CHANGE-REQUEST.
    /// </summary>
    private int AnswerBinding(in StunMessage request, in ClientContext context, Span<byte> response)
    {
        var discovery = context.BehaviorDiscovery;
        if (FindUnknownBindingAttribute(request, discovery is not null, out var unknown))
        {
            var refusal = new ResponseBuilder(response, request, StunClass.ErrorResponse, [], false, Fingerprint(request), _options.Software);
            refusal.Writer.WriteErrorCode(StunErrorCode.UnknownAttribute);
            refusal.Writer.WriteUnknownAttributes([unknown]);
            return refusal.Finish();
        }

        var reply = new ResponseBuilder(response, request, StunClass.SuccessResponse, [], false, Fingerprint(request), _options.Software);
        if (request.IsRfc3489)
        {
            reply.Writer.WriteAddress(StunAttributeType.MappedAddress, context.FiveTuple.Client);
        }
        else
        {
            reply.Writer.WriteXorAddress(StunAttributeType.XorMappedAddress, context.FiveTuple.Client);
        }

        if (discovery is null)
        {
            return reply.Finish();
        }

        // RFC 5780 section 6.1: say where the answer comes from and where the other address is, and
        // answer from the listener CHANGE-REQUEST names.
        request.TryGetChangeRequest(out var change);
        var origin = discovery.OriginFor(change.HasFlag(ChangeRequest.ChangeIP), change.HasFlag(ChangeRequest.ChangePort));
        reply.Writer.WriteAddress(StunAttributeType.ResponseOrigin, origin);
        reply.Writer.WriteAddress(StunAttributeType.OtherAddress, discovery.OtherAddress);
        var length = reply.Finish();
        if (origin == discovery.LocalAddress)
        {
            return length;
        }

        discovery.SendFrom(origin, context.FiveTuple.Client, response[..length]);
        return 0;
    }

    // Without an alternate address the server cannot honour CHANGE-REQUEST, and it never honours
    // RESPONSE-PORT (it would send to a port the client never sent from): RFC 5780 section 6.1 says
    // to refuse with 420 so the client knows.
    private static bool FindUnknownBindingAttribute(in StunMessage request, bool canChange, out ushort unknown)
    {
        foreach (var attribute in request.Attributes)
        {
            var type = attribute.Type;
            if (type.IsComprehensionRequired() && ((type == StunAttributeType.ChangeRequest && !canChange) || type == StunAttributeType.ResponsePort || !Enum.IsDefined(type)))
            {
                unknown = (ushort)attribute.Type;
                return true;
            }
        }

        unknown = 0;
        return false;
    }
}
