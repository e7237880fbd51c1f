using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>
    /// RFC 8656 section 11.2: binds a channel number to a peer, or refreshes the binding, and installs
    /// or refreshes the permission for the peer's IP. A number already bound (or cooling down) to another
    /// peer, or a peer bound to another number, is refused with 400.
    /// </summary>
    private int AnswerChannelBind(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();
        var refusal = CheckAllocation(request, context, credentials, now, out var allocation);
        if (refusal != 0)
        {
            return Refuse(response, request, context, refusal, credentials);
        }

        if (!request.TryGetChannelNumber(out var number) || !ChannelNumbers.IsValid(number)
            || !request.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var peer))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        var peerRefusal = CheckPeer(allocation!, peer);
        if (peerRefusal != 0)
        {
            return Refuse(response, request, context, peerRefusal, credentials);
        }

        var channelExpiry = now + Ticks(_options.ChannelLifetime);
        lock (allocation!)
        {
            var byNumber = allocation.FindChannel(number);
            var byPeer = allocation.FindChannel(peer);
            if (byNumber != byPeer)
            {
                return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
            }

            if (byNumber is null)
            {
                allocation.AddChannel(new ChannelBinding(number, peer, channelExpiry));
            }
            else
            {
                byNumber.Refresh(channelExpiry);
            }

            allocation.InstallPermission(peer, now + Ticks(_options.PermissionLifetime));
        }

        return Reply(response, request, StunClass.SuccessResponse, credentials).Finish();
    }
}
