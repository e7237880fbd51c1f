using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Authentication;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>RFC 8656 section 7.3: a Refresh moves the allocation's expiry, or ends it with LIFETIME 0.</summary>
    private int AnswerRefresh(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();
        if (!Allocations.TryGet(context.FiveTuple, out var allocation) || allocation!.IsExpired(now))
        {
            return Refuse(response, request, context, StunErrorCode.AllocationMismatch, credentials);
        }

        if (!allocation.UsernameBytes.SequenceEqual(credentials.Username))
        {
            return Refuse(response, request, context, StunErrorCode.WrongCredentials, credentials);
        }

        if (request.TryGetAddressFamily(StunAttributeType.RequestedAddressFamily, out var family) && family != allocation.RelayedAddress.Family)
        {
            return Refuse(response, request, context, StunErrorCode.PeerAddressFamilyMismatch, credentials);
        }

        var release = request.TryGetUInt32(StunAttributeType.Lifetime, out var requested) && requested == 0;
        var lifetime = release ? TimeSpan.Zero : ClampLifetime(request);
        lock (allocation)
        {
            if (allocation.Ended || allocation.IsExpired(now))
            {
                return Refuse(response, request, context, StunErrorCode.AllocationMismatch, credentials);
            }

            allocation.Ended = release;
            allocation.SetExpiry(release ? now : now + Ticks(lifetime));
        }

        if (release)
        {
            Release(allocation, "released by the client");
        }

        var seconds = (uint)lifetime.TotalSeconds;

        var reply = Reply(response, request, StunClass.SuccessResponse, credentials);
        reply.Writer.WriteUInt32(StunAttributeType.Lifetime, seconds);
        return reply.Finish();
    }
}
