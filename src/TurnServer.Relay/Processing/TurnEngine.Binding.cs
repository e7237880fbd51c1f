using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>
    /// RFC 8489 section 6.3.1: a Binding request needs no credentials and is answered with the
    /// client's address as the server saw it: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for an RFC 3489
    /// client that would not understand the XOR form.
    /// </summary>
    private int AnswerBinding(in StunMessage request, in ClientContext context, Span<byte> response)
    {
        if (FindUnknownBindingAttribute(request, out var unknown))
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

        return reply.Finish();
    }

    // Without an alternate address the server cannot honour CHANGE-REQUEST or RESPONSE-PORT: RFC 5780
    // section 6.1 says to refuse with 420 so the client knows.
    private static bool FindUnknownBindingAttribute(in StunMessage request, out ushort unknown)
    {
        foreach (var attribute in request.Attributes)
        {
            var type = attribute.Type;
            if (type.IsComprehensionRequired() && (type is StunAttributeType.ChangeRequest or StunAttributeType.ResponsePort || !Enum.IsDefined(type)))
            {
                unknown = (ushort)attribute.Type;
                return true;
            }
        }

        unknown = 0;
        return false;
    }
}
