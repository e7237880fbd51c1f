using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// TCP hole punching's part of a connection: the listener the candidates were gathered from, and the
/// TCP connections punching opens, each a base checked (and usable) like any other.
/// </summary>
public sealed partial class PeerConnection
{
    private static readonly TimeSpan PunchWindow = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<TcpBase, byte> _tcpBases = new();
    private readonly List<IPEndPoint> _remoteTcp = [];
    private TcpPuncher? _puncher;
    private int _punching;

    internal void Attach(TcpPuncher puncher) => _puncher = puncher;

    /// <summary>Starts punching once: alongside the relay, since UDP is the cheaper direct path when it works.</summary>
    private void StartTcpPunching()
    {
        if (_puncher is { } puncher && _remoteTcp.Count > 0 && _options.Strategies.Contains(ConnectionStrategy.TcpHolePunching)
            && Interlocked.Exchange(ref _punching, 1) == 0)
        {
            puncher.Punch(_remoteTcp, PunchWindow, OnTcpConnected);
        }
    }

    private void OnTcpConnected(Socket socket)
    {
        if (_closing.IsCancellationRequested || _puncher is null)
        {
            socket.Dispose();
            return;
        }

        var tcp = new TcpBase(socket, _puncher.LocalEndPoint);
        _tcpBases[tcp] = 0;
        tcp.Start(OnPacket);
    }

    private IEnumerable<(PacketBase Base, IPEndPoint Remote, CandidateKind RemoteKind)> TcpPairs() =>
        _tcpBases.Keys.Where(tcp => !_valid.ContainsKey((tcp, tcp.Remote))).Select(tcp => ((PacketBase)tcp, tcp.Remote, CandidateKind.ServerReflexive));

    private async Task DisposeTcpAsync()
    {
        if (_puncher is not null)
        {
            await _puncher.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var tcp in _tcpBases.Keys)
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
        }
    }
}
