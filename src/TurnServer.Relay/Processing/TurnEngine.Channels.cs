using TurnServer.Protocol.Addressing;
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
        StunErrorCode outcome;
        lock (allocation!)
        {
            outcome = BindChannel(allocation, number, peer, channelExpiry, now + Ticks(_options.PermissionLifetime));
        }

        return outcome == 0
            ? Reply(response, request, StunClass.SuccessResponse, credentials).Finish()
            : Refuse(response, request, context, outcome, credentials);
    }

    // Under the allocation's lock: the checks and the change happen as one step.
    private StunErrorCode BindChannel(Allocation allocation, ushort number, TransportAddress peer, long channelExpiry, long permissionExpiry)
    {
        if (allocation.Ended)
        {
            return StunErrorCode.AllocationMismatch;
        }

        var byNumber = allocation.FindChannel(number);
        if (byNumber != allocation.FindChannel(peer))
        {
            return StunErrorCode.BadRequest;
        }

        if ((byNumber is null && allocation.ChannelCount >= _options.MaxPeersPerAllocation)
            || !allocation.TryInstallPermissions([peer], permissionExpiry, _options.MaxPeersPerAllocation))
        {
            return StunErrorCode.InsufficientCapacity;
        }

        if (byNumber is null)
        {
            allocation.AddChannel(new ChannelBinding(number, peer, channelExpiry));
        }
        else
        {
            byNumber.Refresh(channelExpiry);
        }

        return 0;
    }
}
