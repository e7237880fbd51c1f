using TurnServer.Client.Stun;
using TurnServer.Protocol.Attributes;

namespace TurnServer.Client.Turn;

/// <summary>
/// Losing the allocation and making it again: a server that restarted answers 437 to the next
/// keep-alive, a stream connection closes, or the server stops answering. With
/// <see cref="TurnClientOptions.Reallocate"/> the client connects again, allocates, and reinstalls
/// the permissions and channels still in use, so the application keeps one object throughout.
/// </summary>
public sealed partial class TurnClient
{
    private static readonly TimeSpan FirstReallocationDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestReallocationDelay = TimeSpan.FromSeconds(30);

    private volatile bool _reallocating;
    private int _allocationLost;
    private int _refreshSoon;

    /// <summary>
    /// Raised, on a background thread, once the client has allocated again by itself. The relayed
    /// address is new: peers must be told it (through signaling) before they can reach the client.
    /// </summary>
    public event EventHandler<TurnReallocatedEventArgs>? Reallocated;

    /// <summary>True while a lost allocation is being made again; datagrams sent meanwhile are dropped, as a network would drop them.</summary>
    public bool IsReallocating => _reallocating;

    private void Watch(ClientSession session) =>
        _ = session.Closed.ContinueWith(_ => OnSessionClosed(session), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    private void OnSessionClosed(ClientSession session)
    {
        if (!ReferenceEquals(session, _session))
        {
            return; // A session this client replaced.
        }

        if (_options.Reallocate)
        {
            MarkLost();
        }
        else
        {
            // Receivers are told rather than left waiting.
            _received.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Asks the server about the allocation on the next maintenance tick (within a second) rather
    /// than after the keep-alive interval. Over UDP a server that restarted says nothing until asked:
    /// a caller whose peer went quiet through the relay finds out this way, and the 437 that comes
    /// back starts the reallocation at once.
    /// </summary>
    public void CheckAllocationSoon() => Volatile.Write(ref _refreshSoon, 1);

    /// <summary>The maintenance loop makes the allocation again on its next tick.</summary>
    private void MarkLost() => Volatile.Write(ref _allocationLost, 1);

    private bool IsLost => Volatile.Read(ref _allocationLost) == 1;

    private static bool MeansAllocationLost(Exception e) => e is TurnException { ErrorCode: (int)StunErrorCode.AllocationMismatch };

    private async Task ReallocateAsync(Exception cause)
    {
        _reallocating = true;
        var previous = RelayedEndPoint;
        var delay = FirstReallocationDelay;
        while (true)
        {
            try
            {
                await ConnectAndAllocateAsync(_stopping.Token).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
                delay = delay * 2 < LongestReallocationDelay ? delay * 2 : LongestReallocationDelay;
            }
        }

        await ReinstallAsync().ConfigureAwait(false);
        _reallocating = false;
        Reallocated?.Invoke(this, new TurnReallocatedEventArgs(previous, RelayedEndPoint, cause));
    }

    /// <summary>Permissions and channels used lately are installed on the new allocation, channels keeping their numbers.</summary>
    private async Task ReinstallAsync()
    {
        var now = _time.GetUtcNow();
        foreach (var (peer, permission) in _permissions)
        {
            if (now - permission.LastUsed >= PermissionLifetime)
            {
                _permissions.TryRemove(new KeyValuePair<Protocol.Addressing.TransportAddress, PermissionState>(peer, permission));
                continue;
            }

            Task install;
            lock (permission)
            {
                install = permission.Installing = InstallPermissionAsync(peer, permission, _stopping.Token);
            }

            await RefreshEntryAsync(() => install, () => _permissions.TryRemove(new KeyValuePair<Protocol.Addressing.TransportAddress, PermissionState>(peer, permission))).ConfigureAwait(false);
        }

        foreach (var (peer, channel) in _channelsByPeer)
        {
            channel.Bound = false;
            if (now - channel.LastUsed < ChannelLifetime)
            {
                // One that fails stays unbound, and the next send binds it.
                await RefreshEntryAsync(() => ChannelBindAsync(peer, channel, _stopping.Token), static () => { }).ConfigureAwait(false);
            }
        }
    }
}
