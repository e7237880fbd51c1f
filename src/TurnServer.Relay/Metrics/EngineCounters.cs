using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Metrics;

/// <summary>
/// What the engine counts for metrics: requests by method and result, allocations made, failed
/// authentications, drops by reason, and the traffic of allocations that have ended (live ones
/// carry their own). Control-plane counts take an interlocked add; nothing here runs per data packet
/// except a drop.
/// </summary>
public sealed class EngineCounters
{
    /// <summary>The result of a request answered with success.</summary>
    public const int Success = 0;

    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];
    private readonly ConcurrentDictionary<(StunMethod Method, int Result), StrongBox<long>> _requests = new();
    private readonly RelayTraffic _endedUdp = new();
    private readonly RelayTraffic _endedTcp = new();
    private long _allocationsCreated;
    private long _authenticationFailures;

    public long AllocationsCreated => Interlocked.Read(ref _allocationsCreated);

    public long AuthenticationFailures => Interlocked.Read(ref _authenticationFailures);

    public long DroppedFor(DropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>Answers so far: method, result (<see cref="Success"/> or the error code) and count.</summary>
    public IEnumerable<(StunMethod Method, int Result, long Count)> Requests =>
        _requests.Select(entry => (entry.Key.Method, entry.Key.Result, Interlocked.Read(ref entry.Value.Value)));

    /// <summary>Traffic of ended allocations whose clients came over UDP (and DTLS), or TCP (and TLS).</summary>
    public RelayTraffic EndedTraffic(TransportProtocol clientTransport) => clientTransport == TransportProtocol.Tcp ? _endedTcp : _endedUdp;

    internal void Drop(DropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    internal void AllocationCreated() => Interlocked.Increment(ref _allocationsCreated);

    internal void AuthenticationFailed() => Interlocked.Increment(ref _authenticationFailures);

    internal void AllocationEnded(Allocation allocation) => EndedTraffic(allocation.FiveTuple.Protocol).Add(allocation.Traffic);

    /// <summary>Counts the answer to a request by what it says: success, or its ERROR-CODE.</summary>
    internal void Answered(StunMethod method, ReadOnlySpan<byte> response)
    {
        if (StunMessage.Read(response, out var answer) != StunReadStatus.Ok)
        {
            return;
        }

        var result = answer.Class == StunClass.SuccessResponse ? Success
            : answer.TryGetErrorCode(out var code, out _) ? code : (int)StunErrorCode.ServerError;
        var count = _requests.GetOrAdd((method, result), static _ => new StrongBox<long>());
        Interlocked.Increment(ref count.Value);
    }
}
