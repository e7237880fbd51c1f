using Microsoft.Extensions.Logging;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Checks;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// An ICE restart without closing the connection (WebRTC's <c>restartIce()</c>), for when our
/// network changed: an address came or went, or a send found no network. The side that restarts
/// gathers its candidates again and sends them with a new ufrag and password ("restart"); the peer
/// answers with new credentials and candidates of its own ("restart-answer"), sent again while
/// the restart is unanswered. Both then check every pair afresh with the new credentials, and the
/// controlling side nominates as usual; meanwhile packets keep flowing on the path in use, and
/// checks signed with the old credentials are still answered, so nothing in flight is lost.
/// </summary>
public sealed partial class PeerConnection
{
    private static readonly TimeSpan RestartPause = TimeSpan.FromSeconds(2);
    private readonly Lock _restartLock = new();
    private volatile CheckCredentials? _previousLocal;
    private TaskCompletionSource<SessionDescription>? _restartAnswer;
    private string? _restartUfrag;
    private SessionDescription? _lastRestartAnswer;
    private bool _restarting;
    private bool _restartAgain;

    /// <summary>Our candidates as they are now (host addresses, public address, relay); set by the gatherer.</summary>
    internal Func<CancellationToken, Task<IReadOnlyList<Candidate>>>? Regather { get; set; }

    /// <summary>
    /// Gathers again and agrees new credentials and candidates with the peer over signaling; the
    /// path moves to whichever pair works now. Completes when the peer has answered (a
    /// <see cref="TimeoutException"/> if it has not within the consent timeout; the connection
    /// carries on meanwhile, and its liveness decides its fate as always). Called while a restart
    /// is unanswered, it waits for that one: credentials are renewed once per exchange, so the
    /// ones the peer knows are never more than one renewal old.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        if (SendUpdate is not { } send || _remote is null)
        {
            throw new InvalidOperationException("not connected yet");
        }

        var answer = new TaskCompletionSource<SessionDescription>(TaskCreationOptions.RunContinuationsAsynchronously);
        CheckCredentials? local = null;
        lock (_restartLock)
        {
            if (_restartAnswer is { Task.IsCompleted: false } pending)
            {
                answer = pending;
            }
            else
            {
                _restartAnswer = answer;
                local = RenewLocalCredentialsLocked();
                _restartUfrag = local.Ufrag;
            }
        }

        if (local is not null)
        {
            await SendRestartUntilAnsweredAsync(send, local, answer, cancellationToken).ConfigureAwait(false);
        }

        await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SendRestartUntilAnsweredAsync(Func<SessionDescription, CancellationToken, Task> send, CheckCredentials local, TaskCompletionSource<SessionDescription> answer, CancellationToken cancellationToken)
    {
        try
        {
            _metrics?.Restarted();
            SuspectRelays(); // our address may have changed under the TURN allocation too
            var restart = Describe(SessionDescription.Restart, local, await GatherAgainAsync(cancellationToken).ConfigureAwait(false));
            LogRestarting(_logger, PeerId, restart.Candidates.Count);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            var started = _time.GetTimestamp();
            while (!answer.Task.IsCompleted)
            {
                if (_time.GetElapsedTime(started) >= _options.ConsentTimeout)
                {
                    answer.TrySetException(new TimeoutException($"the peer did not answer the restart within {_options.ConsentTimeout.TotalSeconds:0} s"));
                    break;
                }

                try
                {
                    await send(restart, linked.Token).ConfigureAwait(false);
                }
                catch (Signaling.SignalingException)
                {
                    // Signaling is down (our network changed under it too): again after the pause.
                }

                await Task.WhenAny(answer.Task, Task.Delay(UpdateRetryPause, _time, linked.Token)).ConfigureAwait(false);
                linked.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException)
        {
            answer.TrySetCanceled(CancellationToken.None);
        }
        finally
        {
            lock (_restartLock)
            {
                if (_restartAnswer == answer)
                {
                    _restartAnswer = null; // answered, timed out or canceled: the next restart is a new one
                }
            }
        }
    }

    /// <summary>A restart, or the answer to ours, from the peer.</summary>
    internal void OnRestart(SessionDescription description)
    {
        if (_remote is not { } current || State is ConnectionState.Closed or ConnectionState.Failed)
        {
            return;
        }

        if (description.Kind == SessionDescription.RestartAnswer)
        {
            TaskCompletionSource<SessionDescription>? waiting = null;
            lock (_restartLock)
            {
                if (_restartAnswer is { } pending && description.Answers == _restartUfrag)
                {
                    (waiting, _restartAnswer) = (pending, null);
                }
            }

            if (waiting is null)
            {
                return; // an answer to an earlier restart, or one answered already
            }

            if (description.Ufrag != current.Ufrag)
            {
                ApplyRemoteRestart(description); // not yet known from the peer's own restart (both restarting at once)
            }

            waiting.TrySetResult(description);
            return;
        }

        if (description.Ufrag == current.Ufrag)
        {
            // The peer sent its restart again: our answer was lost, or is still being gathered.
            if (Volatile.Read(ref _lastRestartAnswer) is { } again && again.Answers == description.Ufrag && SendUpdate is { } resend)
            {
                _ = SendQuietlyAsync(resend, again);
            }

            return;
        }

        _ = AnswerRestartAsync(description);
    }

    /// <summary>
    /// New credentials of ours and the candidates as they are now, for the peer's restart; while a
    /// restart of ours is unanswered its credentials are kept, so both descriptions we send agree.
    /// </summary>
    private async Task AnswerRestartAsync(SessionDescription restart)
    {
        CheckCredentials local;
        lock (_restartLock)
        {
            local = _restartAnswer is { Task.IsCompleted: false } ? _local : RenewLocalCredentialsLocked();
        }

        ApplyRemoteRestart(restart);
        try
        {
            var answer = Describe(SessionDescription.RestartAnswer, local, await GatherAgainAsync(_closing.Token).ConfigureAwait(false)) with { Answers = restart.Ufrag };
            Volatile.Write(ref _lastRestartAnswer, answer);
            if (SendUpdate is { } send)
            {
                await SendQuietlyAsync(send, answer).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    private async Task SendQuietlyAsync(Func<SessionDescription, CancellationToken, Task> send, SessionDescription description)
    {
        try
        {
            await send(description, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Signaling.SignalingException or OperationCanceledException)
        {
            // The peer sends its restart again while unanswered, and is answered then.
        }
    }

    /// <summary>New credentials for checks from now on; the old ones are still accepted, for the checks already on their way.</summary>
    private CheckCredentials RenewLocalCredentialsLocked()
    {
        _previousLocal = _local;
        _local = CheckCredentials.New();
        return _local;
    }

    /// <summary>The peer's new credentials and candidates replace the old: every pair is checked again, the one in use included.</summary>
    private void ApplyRemoteRestart(SessionDescription description)
    {
        var candidates = RemoteCandidatePolicy.Acceptable(description.Candidates, _options.MaxRemoteCandidates, _options.IncludeLoopback)
            .Where(c => c.Candidate.Protocol == Candidate.Udp).ToList();
        _remote = description;
        // Peer-reflexive addresses stay: learnt from checks, they are often what a symmetric NAT's path runs on.
        foreach (var stale in _remoteCandidates.Where(c => c.Value != CandidateKind.PeerReflexive && !candidates.Exists(a => a.EndPoint.Equals(c.Key))).Select(c => c.Key).ToList())
        {
            _remoteCandidates.TryRemove(stale, out _);
        }

        foreach (var (candidate, endPoint) in candidates)
        {
            _remoteCandidates[endPoint] = candidate.Kind;
        }

        _valid.Clear(); // known to work with the old credentials only; the check loop finds what works now
        LogRestarted(_logger, PeerId, candidates.Count);
        RecheckSoon();
    }

    /// <summary>Our candidates now; the relay's alone when the interfaces cannot be listed (one vanishing as we look).</summary>
    private async Task<IReadOnlyList<Candidate>> GatherAgainAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Regather is { } regather ? await regather(cancellationToken).ConfigureAwait(false) : [];
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return [.. RelayedCandidates];
        }
    }

    /// <summary>A check signed with our credentials, or with the ones before the last restart: the password to answer with, or null.</summary>
    private string? SignedWith(ReadOnlySpan<byte> packet, out Protocol.Stun.TransactionId id, out bool nominated, out bool closing)
    {
        var local = _local;
        if (CheckMessages.IsValidRequest(packet, local.Ufrag, local.Password, out id, out nominated, out closing))
        {
            return local.Password;
        }

        return _previousLocal is { } previous && CheckMessages.IsValidRequest(packet, previous.Ufrag, previous.Password, out id, out nominated, out closing)
            ? previous.Password
            : null;
    }

    /// <summary>
    /// Our network changed (an address came or went, or a send found no route): restart. One
    /// restart at a time; a change while one runs makes one more follow it, <see cref="RestartPause"/>
    /// later, so an address that comes a moment after the old one went is told to the peer too.
    /// </summary>
    internal void RestartSoon(string why)
    {
        if (State is not (ConnectionState.Connected or ConnectionState.Disconnected) || SendUpdate is null)
        {
            return;
        }

        lock (_restartLock)
        {
            if (_restarting)
            {
                _restartAgain = true;
                return;
            }

            _restarting = true;
        }

        LogNetworkChanged(_logger, PeerId, why);
        _ = RestartWhileChangingAsync();
    }

    /// <summary>Only a send on the path in use tells us the network is gone: a check to one of the peer's addresses may fail for want of a route to it alone.</summary>
    private void OnNoNetwork(UdpBase at, System.Net.IPEndPoint to)
    {
        if (SendingPair is { } sending && ReferenceEquals(sending.Base, at) && sending.Remote.Equals(to))
        {
            RestartSoon("no route for the path in use");
        }
    }

    private async Task RestartWhileChangingAsync()
    {
        try
        {
            while (true)
            {
                try
                {
                    await RestartAsync(_closing.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException or PeerConnectionClosedException)
                {
                    // Unanswered or ended: the liveness checks go on deciding the connection's fate.
                }

                lock (_restartLock)
                {
                    if (!_restartAgain)
                    {
                        return;
                    }

                    _restartAgain = false;
                }

                await Task.Delay(RestartPause, _time, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
        finally
        {
            lock (_restartLock)
            {
                _restarting = false;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: restarting with {Count} candidates gathered again")]
    private static partial void LogRestarting(ILogger logger, string peer, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: restarted; the peer has {Count} candidates now")]
    private static partial void LogRestarted(ILogger logger, string peer, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to {Peer}: our network changed ({Why}); restarting")]
    private static partial void LogNetworkChanged(ILogger logger, string peer, string why);
}
