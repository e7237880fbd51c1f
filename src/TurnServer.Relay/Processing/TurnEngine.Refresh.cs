using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>
    /// RFC 8656 section 7.3: a Refresh moves the allocation's expiry, or ends it with LIFETIME 0. With
    /// REQUESTED-ADDRESS-FAMILY it must name a family the allocation has (443), and LIFETIME 0 then
    /// drops only that family's relay from a dual allocation.
    /// </summary>
    private int AnswerRefresh(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();
        var refusal = CheckAllocation(request, context, credentials, now, out var allocation);
        if (refusal != 0)
        {
            return Refuse(response, request, context, refusal, credentials);
        }

        RelayedTransport? named = null;
        if (request.TryGetAddressFamily(StunAttributeType.RequestedAddressFamily, out var family) && (named = allocation!.RelayFor(family)) is null)
        {
            return Refuse(response, request, context, StunErrorCode.PeerAddressFamilyMismatch, credentials);
        }

        var release = request.TryGetUInt32(StunAttributeType.Lifetime, out var requested) && requested == 0;
        var lifetime = release ? TimeSpan.Zero : ClampLifetime(request);
        var dropOneFamily = false;
        lock (allocation!)
        {
            if (allocation.Ended || allocation.IsExpired(now))
            {
                return Refuse(response, request, context, StunErrorCode.AllocationMismatch, credentials);
            }

            if (release && named is not null && allocation.Relays.Count > 1)
            {
                allocation.RemoveRelay(named);
                dropOneFamily = true;
            }
            else
            {
                allocation.Ended = release;
                allocation.SetExpiry(release ? now : now + Ticks(lifetime));
            }
        }

        if (dropOneFamily)
        {
            ReleaseRelay(named!);
        }
        else if (release)
        {
            Release(allocation, "released by the client");
        }

        var reply = Reply(response, request, StunClass.SuccessResponse, credentials);
        reply.Writer.WriteUInt32(StunAttributeType.Lifetime, dropOneFamily ? (uint)Seconds(allocation.ExpiresAt - now) : (uint)lifetime.TotalSeconds);
        return reply.Finish();
    }
}
