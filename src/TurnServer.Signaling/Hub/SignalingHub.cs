using System.Text.Json;
using Microsoft.Extensions.Logging;
using TurnServer.Signaling.Messages;
using TurnServer.Signaling.Tokens;

namespace TurnServer.Signaling.Hub;

/// <summary>
/// The peers connected to signaling, their rooms, and the routing of their messages. A peer registers
/// (making itself discoverable with its metadata), joins rooms (and hears who else joins and leaves),
/// discovers peers, and sends opaque data to another peer by id. Transport-free: the WebSocket
/// endpoint feeds it frames and gives it connections to answer on. One lock: signaling is a few
/// messages per connection attempt, not a data path.
/// </summary>
public sealed partial class SignalingHub(SignalingLimits limits, TimeProvider time, ILogger<SignalingHub> logger)
{
    private const int MaxRequestIdLength = 64;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PeerState> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private long _routed;

    public SignalingLimits Limits => limits;

    public int ConnectedPeers
    {
        get
        {
            lock (_lock)
            {
                return _peers.Count;
            }
        }
    }

    public int Rooms
    {
        get
        {
            lock (_lock)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>Signal messages delivered from one peer to another.</summary>
    public long Routed => Interlocked.Read(ref _routed);

    /// <summary>A connection whose token proved its peer id; an older connection with that id is closed.</summary>
    public void Connect(ISignalingConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PeerState? replaced;
        lock (_lock)
        {
            replaced = _peers.GetValueOrDefault(connection.PeerId);
            if (replaced is not null)
            {
                RemoveLocked(replaced);
            }

            _peers[connection.PeerId] = new PeerState(connection, new MessageRateLimiter(limits, time));
        }

        if (replaced is not null)
        {
            LogReplaced(logger, connection.PeerId);
            replaced.Connection.Close(SignalingClose.Replaced);
        }
    }

    /// <summary>The connection ended: the peer leaves its rooms and the others in them are told.</summary>
    public void Disconnect(ISignalingConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            if (_peers.TryGetValue(connection.PeerId, out var state) && ReferenceEquals(state.Connection, connection))
            {
                RemoveLocked(state);
            }
        }
    }

    /// <summary>One text frame from a peer, already checked against the size limit by the transport.</summary>
    public void Receive(ISignalingConnection connection, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var message = SignalingMessage.Parse(frame);
        var close = false;
        lock (_lock)
        {
            if (!_peers.TryGetValue(connection.PeerId, out var state) || !ReferenceEquals(state.Connection, connection))
            {
                return;
            }

            if (!state.Rate.TryTake())
            {
                close = ++state.RefusedInARow >= limits.RefusalsBeforeClose;
                connection.TrySend(SignalingMessage.ErrorOf(ErrorCode.RateLimited, $"at most {limits.MessagesPerSecond} messages a second"));
            }
            else
            {
                state.RefusedInARow = 0;
                HandleLocked(state, message);
            }
        }

        if (close)
        {
            LogFlooding(logger, connection.PeerId);
            connection.Close(SignalingClose.Flooding);
        }
    }

    private void HandleLocked(PeerState state, SignalingMessage? message)
    {
        var connection = state.Connection;
        if (message is null)
        {
            connection.TrySend(SignalingMessage.ErrorOf(ErrorCode.BadMessage, "a message is a JSON object with a string \"type\""));
            return;
        }

        if (message.Type == MessageType.Ping)
        {
            Reply(connection, message.Id, new SignalingMessage(MessageType.Pong));
            return;
        }

        if (message.Type == MessageType.Register)
        {
            Register(state, message);
            return;
        }

        if (!state.Registered)
        {
            Reply(connection, message.Id, SignalingMessage.ErrorOf(ErrorCode.NotRegistered, "register first"));
            return;
        }

        switch (message.Type)
        {
            case MessageType.Join:
                Join(state, message);
                break;
            case MessageType.Leave:
                Leave(state, message.Room);
                break;
            case MessageType.Discover:
                Discover(state, message);
                break;
            case MessageType.Signal:
                Route(state, message);
                break;
            default:
                Reply(connection, message.Id, SignalingMessage.ErrorOf(ErrorCode.BadMessage, $"unknown type \"{message.Type}\""));
                break;
        }
    }

    private static void Register(PeerState state, SignalingMessage request)
    {
        if (request.Metadata is { ValueKind: not JsonValueKind.Object })
        {
            Reply(state.Connection, request.Id, SignalingMessage.ErrorOf(ErrorCode.BadMessage, "metadata is a JSON object"));
            return;
        }

        state.Registered = true;
        state.Metadata = request.Metadata?.Clone();
        Reply(state.Connection, request.Id, new SignalingMessage(MessageType.Registered) { Peer = state.Connection.PeerId });
    }

    private void Join(PeerState state, SignalingMessage request)
    {
        var room = request.Room;
        if (!PeerToken.IsValidPeerId(room))
        {
            Reply(state.Connection, request.Id, SignalingMessage.ErrorOf(ErrorCode.BadMessage, "a room is named like a peer id"));
            return;
        }

        if (!state.Rooms.Contains(room) && state.Rooms.Count >= limits.MaxRoomsPerPeer)
        {
            Reply(state.Connection, request.Id, SignalingMessage.ErrorOf(ErrorCode.TooManyRooms, $"at most {limits.MaxRoomsPerPeer} rooms"));
            return;
        }

        if (!_rooms.TryGetValue(room, out var members))
        {
            members = new HashSet<string>(StringComparer.Ordinal);
            _rooms[room] = members;
        }

        var others = members.Where(id => id != state.Connection.PeerId).Select(id => _peers[id]).ToList();
        Reply(state.Connection, request.Id, new SignalingMessage(MessageType.Joined) { Room = room, Peers = Listed(others) });
        if (members.Add(state.Connection.PeerId))
        {
            state.Rooms.Add(room);
            var joined = new SignalingMessage(MessageType.PeerJoined) { Room = room, Peer = state.Connection.PeerId, Metadata = state.Metadata };
            others.ForEach(other => other.Connection.TrySend(joined));
        }
    }

    private void Leave(PeerState state, string? room)
    {
        if (room is not null && state.Rooms.Remove(room))
        {
            LeaveRoomLocked(state.Connection.PeerId, room);
        }
    }

    /// <summary>The peers of a room the asker is in, or with no room every registered peer.</summary>
    private void Discover(PeerState state, SignalingMessage request)
    {
        var room = request.Room;
        IEnumerable<PeerState> found;
        if (room is null)
        {
            found = _peers.Values.Where(p => p.Registered);
        }
        else if (state.Rooms.Contains(room))
        {
            found = _rooms[room].Select(id => _peers[id]);
        }
        else
        {
            Reply(state.Connection, request.Id, SignalingMessage.ErrorOf(ErrorCode.BadMessage, "join a room to discover its peers"));
            return;
        }

        var others = found.Where(p => !ReferenceEquals(p, state)).ToList();
        Reply(state.Connection, request.Id, new SignalingMessage(MessageType.Peers) { Room = room, Peers = Listed(others) });
    }

    private void Route(PeerState state, SignalingMessage request)
    {
        if (request.To is null || !_peers.TryGetValue(request.To, out var target) || !target.Registered)
        {
            Reply(state.Connection, request.Id, SignalingMessage.ErrorOf(ErrorCode.UnknownPeer, $"no peer \"{request.To}\" is connected") with { To = request.To });
            return;
        }

        if (target.Connection.TrySend(new SignalingMessage(MessageType.Signal) { From = state.Connection.PeerId, Data = request.Data }))
        {
            Interlocked.Increment(ref _routed);
        }
    }

    /// <summary>An answer to a peer's request, carrying the request's id so the peer can match it (null for a peer that sent none).</summary>
    private static void Reply(ISignalingConnection connection, string? id, SignalingMessage answer) =>
        connection.TrySend(id is { Length: > 0 and <= MaxRequestIdLength } ? answer with { Id = id } : answer);

    private List<PeerInfo> Listed(List<PeerState> peers) =>
        peers.Take(limits.MaxPeersListed).Select(p => new PeerInfo(p.Connection.PeerId, p.Metadata)).ToList();

    private void RemoveLocked(PeerState state)
    {
        _peers.Remove(state.Connection.PeerId);
        foreach (var room in state.Rooms)
        {
            LeaveRoomLocked(state.Connection.PeerId, room);
        }

        state.Rooms.Clear();
    }

    private void LeaveRoomLocked(string peerId, string room)
    {
        var members = _rooms[room];
        members.Remove(peerId);
        if (members.Count == 0)
        {
            _rooms.Remove(room);
            return;
        }

        var left = new SignalingMessage(MessageType.PeerLeft) { Room = room, Peer = peerId };
        foreach (var id in members)
        {
            _peers[id].Connection.TrySend(left);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signaling peer {Peer} reconnected; its older connection is closed")]
    private static partial void LogReplaced(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signaling peer {Peer} kept sending past the rate limit; closed")]
    private static partial void LogFlooding(ILogger logger, string peer);
}
