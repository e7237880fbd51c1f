using System.Collections.Concurrent;
using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Connections;

/// <summary>A TURN allocation of the connection's own: its relayed candidate, and the path that always works.</summary>
internal sealed class RelayBase(TurnClient client, ClientTransport transport) : PacketBase
{
    private readonly ConcurrentDictionary<IPAddress, Task> _permissions = new();
    private readonly CancellationTokenSource _closing = new();
    private Task _receiving = Task.CompletedTask;
    private int _disposed;

    public override CandidateKind Kind => CandidateKind.Relayed;

    public override ClientTransport Transport => transport;

    public override IPEndPoint LocalEndPoint => client.RelayedEndPoint;

    /// <summary>The allocation was made again (the server restarted or lost it): the new relayed address.</summary>
    public event Action<RelayBase, IPEndPoint>? Reallocated;

    /// <summary>Has the client ask the server about its allocation now (see <see cref="TurnClient.CheckAllocationSoon"/>).</summary>
    public void CheckAllocationSoon() => client.CheckAllocationSoon();

    /// <summary>Where this client reaches the TURN server from, as the server sees it.</summary>
    public IPEndPoint MappedEndPoint => client.MappedEndPoint;

    /// <summary>Installs a permission for a remote candidate before anything is sent to it (RFC 8656 section 9).</summary>
    public Task PermitAsync(IPAddress peer, CancellationToken cancellationToken) =>
        _permissions.GetOrAdd(peer, address => client.CreatePermissionAsync(address, cancellationToken));

    public override async ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        try
        {
            await PermitAsync(to.Address, cancellationToken).ConfigureAwait(false);
            await client.SendToAsync(to, packet, cancellationToken).ConfigureAwait(false);
        }
        catch (TurnException)
        {
            // A peer the server refuses to relay to (a private address, say): that pair fails, and the
            // failed permission stays cached so it is not asked for again on every check.
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The server did not answer, refused (an ICMP error while it restarts), or the allocation
            // is being replaced: this datagram is lost, as on any network, and the permission asked again.
            _permissions.TryRemove(to.Address, out _);
        }
    }

    public override void Start(PacketHandler handler)
    {
        client.Reallocated += (_, e) =>
        {
            _permissions.Clear(); // installed again by the client; our cache must not hide a failure of the new allocation
            Reallocated?.Invoke(this, e.RelayedEndPoint);
        };
        _receiving = Task.Run(() => ReceiveLoop(handler));
    }

    private async Task ReceiveLoop(PacketHandler handler)
    {
        var buffer = new byte[65536];
        while (!_closing.IsCancellationRequested)
        {
            try
            {
                var received = await client.ReceiveFromAsync(buffer, _closing.Token).ConfigureAwait(false);
                handler(this, received.RemoteEndPoint, buffer.AsSpan(0, received.ReceivedBytes));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or TurnException or IOException)
            {
                break;
            }
        }
    }

    /// <summary>Releases the allocation; again is a no-op (a direct path released it early).</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(false);
        await client.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }
}
