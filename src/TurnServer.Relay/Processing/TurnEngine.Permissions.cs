using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Metrics;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    /// <summary>
    /// RFC 8656 section 9.2: installs or refreshes a permission for every XOR-PEER-ADDRESS, all or none.
    /// </summary>
    private int AnswerCreatePermission(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();
        var refusal = CheckAllocation(request, context, credentials, now, out var allocation);
        if (refusal != 0)
        {
            return Refuse(response, request, context, refusal, credentials);
        }

        var peers = new List<TransportAddress>();
        foreach (var attribute in request.Attributes)
        {
            if (attribute.Type != StunAttributeType.XorPeerAddress)
            {
                continue;
            }

            if (!request.TryDecodeXorAddress(attribute.Value, out var peer))
            {
                return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
            }

            var peerRefusal = CheckPeer(allocation!, peer, portCounts: false);
            if (peerRefusal != 0)
            {
                return Refuse(response, request, context, peerRefusal, credentials);
            }

            peers.Add(peer);
        }

        if (peers.Count == 0)
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        bool installed;
        lock (allocation!)
        {
            installed = !allocation.Ended && allocation.TryInstallPermissions(peers, now + Ticks(_options.PermissionLifetime), _options.MaxPeersPerAllocation);
        }

        return installed
            ? Reply(response, request, StunClass.SuccessResponse, credentials).Finish()
            : Refuse(response, request, context, allocation.Ended ? StunErrorCode.AllocationMismatch : StunErrorCode.InsufficientCapacity, credentials);
    }

    /// <summary>The checks every request on an existing allocation shares: it exists (437) and is the same user's (441).</summary>
    private StunErrorCode CheckAllocation(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, long now, out Allocation? allocation)
    {
        if (!Allocations.TryGet(context.FiveTuple, out allocation) || allocation!.IsExpired(now))
        {
            return StunErrorCode.AllocationMismatch;
        }

        return allocation.UsernameBytes.SequenceEqual(credentials.Username) ? 0 : StunErrorCode.WrongCredentials;
    }

    /// <summary>
    /// A peer must be of a family the allocation relays (443) and allowed by the peer policy (403);
    /// where its port counts (not for a permission), not one of the server's own listeners, whatever
    /// the policy allows (403).
    /// </summary>
    private StunErrorCode CheckPeer(Allocation allocation, in TransportAddress peer, bool portCounts = true)
    {
        if (allocation.RelayFor(peer.Family) is null)
        {
            return StunErrorCode.PeerAddressFamilyMismatch;
        }

        if (portCounts && IsOwnListener(allocation, peer))
        {
            Counters.Drop(DropReason.RelayLoop);
            EngineLog.RelayLoopRefused(_logger, allocation.Username, allocation.FiveTuple, peer);
            return StunErrorCode.Forbidden;
        }

        if (!_options.PeerPolicy.IsAllowed(peer) || (portCounts && _options.PeerPolicy.IsOwnService(peer)))
        {
            Counters.Drop(DropReason.PeerPolicy);
            EngineLog.PeerRefused(_logger, allocation.Username, allocation.FiveTuple, peer);
            return StunErrorCode.Forbidden;
        }

        return 0;
    }

    private bool IsOwnListener(Allocation allocation, in TransportAddress peer) =>
        OwnListeners.HasPort(allocation.RelayProtocol, peer.Port) && _options.PeerPolicy.IsOwnAddress(peer);
}
