using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using TurnServer.Client.Discovery;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;
using TurnServer.Coordinator.Strategies;
using TurnServer.Protocol.Stun;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// Port prediction for a symmetric NAT facing a port-restricted cone, where plain punching cannot
/// work: the port-restricted side lets in only the exact address and port it sent to, and the
/// symmetric side's port toward it is new and unknown. The symmetric (hard) side opens
/// <see cref="SpraySockets"/> sockets, each sending checks to the other's public address, so its
/// NAT holds that many random public ports toward it; the cone (easy) side sends checks to random
/// ports of the hard side's public address, each opening its own filter for that port. A probe that
/// lands on one of the hard side's ports gets through, and so does the answer: with 256 ports held,
/// 4096 probes miss all of them with a chance near e^-16.
/// </summary>
public sealed partial class PeerConnection
{
    private const int SpraySockets = 256;
    private const int MaxProbes = 4096;
    private const int ProbesPerBatch = 32;
    private static readonly TimeSpan ProbeBatchPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan SprayRepeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProbeAnswerWait = TimeSpan.FromSeconds(2);
    private readonly NatType? _localNat;
    private readonly List<PacketBase> _spray = [];
    private readonly ConcurrentDictionary<IPEndPoint, byte> _predicted = new();
    private readonly List<Task> _predicting = [];

    private static bool IsPortRestricted(NatType? nat) => nat is NatType.PortRestrictedCone or NatType.Cone;

    private void StartPortPrediction(SessionDescription remote)
    {
        if (!_options.Strategies.Contains(ConnectionStrategy.PortPrediction) || !Enum.TryParse<NatType>(remote.Nat, out var remoteNat))
        {
            return;
        }

        var remotePublic = RemoteCandidatePolicy.Acceptable(remote.Candidates, _options.MaxRemoteCandidates, _options.IncludeLoopback)
            .Where(c => c.Candidate.Kind == CandidateKind.ServerReflexive && c.Candidate.Protocol == Candidate.Udp).Select(c => c.EndPoint).ToList();
        if (remotePublic.Count == 0)
        {
            return;
        }

        lock (_predicting)
        {
            if (_localNat == NatType.Symmetric && IsPortRestricted(remoteNat))
            {
                _predicting.Add(Task.Run(() => SprayAsync(remotePublic), CancellationToken.None));
            }
            else if (IsPortRestricted(_localNat) && remoteNat == NatType.Symmetric)
            {
                _predicting.Add(Task.Run(() => ProbeAsync(remotePublic[0].Address), CancellationToken.None));
            }
        }
    }

    private bool PredictionNeeded(long started) =>
        !_closing.IsCancellationRequested && _selected?.Path.Kind != PathKind.Direct && _time.GetElapsedTime(started) < _options.PortPredictionWindow;

    /// <summary>The hard side: many sockets, each checking the easy side's public address now and then.</summary>
    private async Task SprayAsync(List<IPEndPoint> targets)
    {
        var started = _time.GetTimestamp();
        try
        {
            for (var i = 0; i < SpraySockets; i++)
            {
                var socket = new UdpBase(IPAddress.Any);
                socket.Start(OnPacket);
                lock (_spray)
                {
                    _spray.Add(socket);
                }
            }

            while (PredictionNeeded(started))
            {
                PacketBase[] sockets;
                lock (_spray)
                {
                    sockets = [.. _spray];
                }

                foreach (var socket in sockets)
                {
                    targets.ForEach(target => _ = CheckOnceAsync(socket, target, CandidateKind.ServerReflexive));
                }

                await Task.Delay(SprayRepeat, _time, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Closed, or out of sockets: the relay carries the connection.
        }

        await CloseUnusedSprayAsync().ConfigureAwait(false);
    }

    /// <summary>Port prediction is over (or a direct path won): the sockets that are not carrying the connection are closed.</summary>
    private async Task CloseUnusedSprayAsync()
    {
        var inUse = _selected?.Base;
        PacketBase[] unused;
        lock (_spray)
        {
            unused = [.. _spray.Where(socket => !ReferenceEquals(socket, inUse))];
            _spray.RemoveAll(socket => !ReferenceEquals(socket, inUse));
        }

        foreach (var socket in unused)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Port prediction's sockets still open, for tests.</summary>
    internal int OpenSpraySockets
    {
        get
        {
            lock (_spray)
            {
                return _spray.Count;
            }
        }
    }

    /// <summary>The easy side: checks to random ports of the hard side's public address, from our one socket.</summary>
    private async Task ProbeAsync(IPAddress target)
    {
        var started = _time.GetTimestamp();
        var socket = _bases[0];
        var ports = Enumerable.Range(1024, 65536 - 1024).ToArray();
        RandomNumberGenerator.Shuffle(ports.AsSpan());
        try
        {
            for (var sent = 0; sent < MaxProbes && PredictionNeeded(started); sent += ProbesPerBatch)
            {
                foreach (var port in ports.AsSpan(sent, ProbesPerBatch))
                {
                    _ = CheckOnceAsync(socket, new IPEndPoint(target, port), CandidateKind.PeerReflexive, predicted: true);
                }

                await Task.Delay(ProbeBatchPause, _time, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>One check, sent once: a probe that lands is answered; one that does not is forgotten.</summary>
    private async Task CheckOnceAsync(PacketBase packetBase, IPEndPoint remote, CandidateKind remoteKind, bool predicted = false)
    {
        if (_remote is not { } description)
        {
            return;
        }

        var id = TransactionId.NewRandom();
        var request = CheckMessages.Request(id, description.Ufrag, _local.Ufrag, description.Password, nominate: false);
        try
        {
            var answer = await ExchangeAsync(packetBase, remote, id, request, _closing.Token, sends: 1, wait: ProbeAnswerWait).ConfigureAwait(false);
            if (answer is not { } response || !CheckMessages.IsValidResponse(response.Packet, description.Password))
            {
                return; // missed: most probes do
            }

            if (predicted)
            {
                _predicted.TryAdd(remote, 0);
                _remoteCandidates.TryAdd(remote, CandidateKind.PeerReflexive);
            }

            await OnPairWorksAsync(packetBase, remote, remoteKind, nominated: false).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }
}
