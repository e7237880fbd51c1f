using System.Collections.Concurrent;
using System.Security.Cryptography;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

/// <summary>TCP allocations (RFC 6062): Connect, ConnectionBind and ConnectionAttempt.</summary>
public sealed partial class TurnEngine
{
    private readonly ConcurrentDictionary<uint, TcpPeerConnectionEntry> _pendingTcpConnections = new();

    /// <summary>
    /// RFC 6062 section 5.2: opens a TCP connection from the relayed address to the peer and answers,
    /// once it is made (with its CONNECTION-ID) or has failed (447), over the control connection.
    /// </summary>
    private int AnswerConnect(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();
        var refusal = CheckAllocation(request, context, credentials, now, out var allocation);
        if (refusal != 0)
        {
            return Refuse(response, request, context, refusal, credentials);
        }

        if (allocation!.RelayProtocol != TransportProtocol.Tcp || !request.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var peer))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        var peerRefusal = CheckPeer(allocation, peer);
        if (peerRefusal != 0)
        {
            return Refuse(response, request, context, peerRefusal, credentials);
        }

        lock (allocation)
        {
            if (allocation.ConnectingPeers.Contains(peer) || allocation.TcpConnections.Exists(c => c.Connection.Peer == peer && !c.Connection.IsClosed))
            {
                return Refuse(response, request, context, StunErrorCode.ConnectionAlreadyExists, credentials);
            }

            allocation.ConnectingPeers.Add(peer);
        }

        var from = allocation.RelayFor(peer.Family)!.Endpoint.LocalAddress;
        _ = CompleteConnect(allocation, from, peer, new DeferredReply(request, credentials, Fingerprint(request), _options.Software));
        return 0;
    }

    private async Task CompleteConnect(Allocation allocation, TransportAddress from, TransportAddress peer, DeferredReply reply)
    {
        IPeerConnection? connection;
        try
        {
            connection = await _tcpRelays!.ConnectAsync(from, peer, _options.TcpConnectionTimeout).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever the failure, the client gets 447, and the engine serves on.
        catch (Exception)
#pragma warning restore CA1031
        {
            connection = null;
        }

        TcpPeerConnectionEntry? entry = null;
        lock (allocation)
        {
            allocation.ConnectingPeers.Remove(peer);
            if (connection is not null && !allocation.Ended)
            {
                entry = Register(allocation, connection);
            }
        }

        var buffer = new byte[512];
        ResponseBuilder builder;
        if (entry is null)
        {
            connection?.Dispose();
            builder = reply.Begin(buffer, StunClass.ErrorResponse);
            builder.Writer.WriteErrorCode(StunErrorCode.ConnectionTimeoutOrFailure);
        }
        else
        {
            builder = reply.Begin(buffer, StunClass.SuccessResponse);
            builder.Writer.WriteUInt32(StunAttributeType.ConnectionId, entry.Id);
        }

        allocation.Client.Send(buffer.AsSpan(0, builder.Finish()));
    }

    /// <summary>
    /// RFC 6062 section 5.3: a peer connected to a TCP allocation's relayed address. Without a
    /// permission for its IP it is closed; otherwise the client is told with a ConnectionAttempt.
    /// </summary>
    public void AcceptPeerConnection(Allocation owner, IPeerConnection connection)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(connection);
        var now = _time.GetTimestamp();
        TcpPeerConnectionEntry? entry = null;
        lock (owner)
        {
            if (!owner.Ended && !owner.IsExpired(now) && owner.HasPermission(connection.Peer, now))
            {
                entry = Register(owner, connection);
            }
        }

        if (entry is null)
        {
            connection.Dispose();
            return;
        }

        var writer = new StunMessageWriter(new byte[256], new StunMessageType(StunMethod.ConnectionAttempt, StunClass.Indication), TransactionId.NewRandom());
        writer.WriteXorAddress(StunAttributeType.XorPeerAddress, connection.Peer);
        writer.WriteUInt32(StunAttributeType.ConnectionId, entry.Id);
        writer.WriteFingerprint();
        owner.Client.Send(writer.Written);
    }

    /// <summary>
    /// RFC 6062 section 5.4: a new client connection claims a peer data connection by its CONNECTION-ID;
    /// after the success response both connections carry raw bytes between client and peer.
    /// </summary>
    private int AnswerConnectionBind(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        if (context.DataConnection is not { } stream
            || !request.TryGetUInt32(StunAttributeType.ConnectionId, out var id)
            || !_pendingTcpConnections.TryGetValue(id, out var entry))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        var now = _time.GetTimestamp();
        lock (entry.Owner)
        {
            if (!entry.Owner.UsernameBytes.SequenceEqual(credentials.Username))
            {
                return Refuse(response, request, context, StunErrorCode.WrongCredentials, credentials);
            }

            if (entry.Bound || entry.Owner.Ended || entry.Connection.IsClosed || now - entry.CreatedAt >= Ticks(_options.TcpConnectionTimeout))
            {
                return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
            }

            entry.Bound = true;
        }

        _pendingTcpConnections.TryRemove(id, out _);
        stream.BindData(entry.Connection);
        return Reply(response, request, StunClass.SuccessResponse, credentials).Finish();
    }

    // Under the allocation's lock.
    private TcpPeerConnectionEntry Register(Allocation allocation, IPeerConnection connection)
    {
        TcpPeerConnectionEntry entry;
        do
        {
            entry = new TcpPeerConnectionEntry((uint)RandomNumberGenerator.GetInt32(1, int.MaxValue), allocation, connection, _time.GetTimestamp());
        }
        while (!_pendingTcpConnections.TryAdd(entry.Id, entry));

        allocation.TcpConnections.Add(entry);
        return entry;
    }

    /// <summary>Closes peer connections nobody bound within the timeout, and forgets closed ones; under the lock.</summary>
    private void SweepPendingTcpConnections(Allocation allocation, long now)
    {
        var timeout = Ticks(_options.TcpConnectionTimeout);
        allocation.TcpConnections.RemoveAll(entry =>
        {
            var stale = !entry.Bound && now - entry.CreatedAt >= timeout;
            if (stale)
            {
                entry.Connection.Dispose();
            }

            if (stale || entry.Connection.IsClosed)
            {
                _pendingTcpConnections.TryRemove(entry.Id, out _);
                return true;
            }

            return false;
        });
    }

    private void CloseTcpConnections(Allocation allocation)
    {
        TcpPeerConnectionEntry[] entries;
        lock (allocation)
        {
            entries = [.. allocation.TcpConnections];
            allocation.TcpConnections.Clear();
        }

        foreach (var entry in entries)
        {
            _pendingTcpConnections.TryRemove(entry.Id, out _);
            entry.Connection.Dispose();
        }
    }
}
