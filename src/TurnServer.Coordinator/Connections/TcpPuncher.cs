using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Stun;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// TCP hole punching by simultaneous open: a listener, and connections to the peer's TCP candidates
/// made from the listener's own port (SO_REUSEPORT), so the NAT maps them to the public port the
/// peer was told of. When both sides connect at once, each NAT sees the other's SYN as the answer to
/// its own and lets it in, and the two SYNs become one connection (or the listener accepts it). Linux
/// only, where SO_REUSEPORT lets a connecting socket share a listener's port.
/// </summary>
internal sealed class TcpPuncher : IAsyncDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);
    private readonly Socket _listener;
    private readonly CancellationTokenSource _closing = new();
    private readonly List<Task> _running = [];

    private TcpPuncher(Socket listener)
    {
        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>A listener on a fresh port; null where the platform cannot share it with outgoing connections.</summary>
    public static TcpPuncher? Open()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var listener = Shareable();
        listener.Bind(new IPEndPoint(IPAddress.Any, 0));
        listener.Listen(8);
        return new TcpPuncher(listener);
    }

    /// <summary>The public address of the listener's port, from a Binding request over TCP sent from that port.</summary>
    public async Task<IPEndPoint?> ReflexiveAddressAsync(IPEndPoint stunServer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        timeout.CancelAfter(ConnectTimeout);
        using var socket = Shareable();
        try
        {
            socket.Bind(LocalEndPoint);
            await socket.ConnectAsync(stunServer, timeout.Token).ConfigureAwait(false);
            var id = TransactionId.NewRandom();
            await socket.SendAsync(BindingRequest.Create(id), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var response = new byte[512];
            var length = 0;
            while (length < StunConstants.HeaderLength || length < StunConstants.HeaderLength + ((response[2] << 8) | response[3]))
            {
                var read = await socket.ReceiveAsync(response.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return null;
                }

                length += read;
            }

            return StunMessage.Read(response.AsSpan(0, length), out var message) == StunReadStatus.Ok && message.TransactionId == id
                ? BindingAnswer.Read(response.AsSpan(0, length), stunServer, TimeSpan.Zero)?.Mapped
                : null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null; // TCP to the STUN server is blocked, or it does not answer
        }
    }

    /// <summary>Accepts and connects until the window closes, handing each connection that forms to <paramref name="connected"/>.</summary>
    public void Punch(IReadOnlyList<IPEndPoint> remotes, TimeSpan window, Action<Socket> connected)
    {
        _running.Add(Task.Run(() => AcceptAsync(window, connected)));
        foreach (var remote in remotes)
        {
            _running.Add(Task.Run(() => ConnectAsync(remote, window, connected)));
        }
    }

    private async Task AcceptAsync(TimeSpan window, Action<Socket> connected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(window);
        try
        {
            while (true)
            {
                connected(await _listener.AcceptAsync(timeout.Token).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The window closed.
        }
    }

    /// <summary>SYNs from the listener's port until one connects: the first are lost on the peer's NAT until its own SYN opens it.</summary>
    private async Task ConnectAsync(IPEndPoint remote, TimeSpan window, Action<Socket> connected)
    {
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline && !_closing.IsCancellationRequested)
        {
            var socket = Shareable();
            try
            {
                socket.Bind(LocalEndPoint);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
                timeout.CancelAfter(ConnectTimeout);
                await socket.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
                connected(socket);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static Socket Shareable()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await Task.WhenAll(_running).ConfigureAwait(false);
        _closing.Dispose();
    }
}
