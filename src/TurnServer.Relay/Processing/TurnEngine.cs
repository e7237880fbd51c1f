using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Metrics;
using TurnServer.Relay.Options;
using TurnServer.Relay.Policy;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

/// <summary>
/// The TURN server without sockets: takes what a client sent, answers it, and moves data between
/// clients and peers through the relay endpoints the transport layer opens. Every method is safe to
/// call from several receive loops at once; nothing it does per data packet allocates or locks.
/// </summary>
public sealed partial class TurnEngine
{
    // Replaced whole by Reconfigure; readers take whichever reference is current.
    private TurnServerOptions _options;
    private RequestAuthenticator _authenticator;
    private readonly IRelayEndpointFactory _relays;
    private readonly ITcpRelayFactory? _tcpRelays;
    private readonly RelayPortPool _ipv4Ports;
    private readonly RelayPortPool _ipv6Ports;
    private readonly UnauthenticatedRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _channelCooldownTicks;
    private bool _draining;
    private int _nextAlternate = -1;
    private long _lastAllocationId;

    public TurnEngine(TurnServerOptions options, ICredentialStore credentials, IRelayEndpointFactory relays, TimeProvider time, ILogger<TurnEngine>? logger = null, ITcpRelayFactory? tcpRelays = null)
    {
        _tcpRelays = tcpRelays;
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger ?? NullLogger<TurnEngine>.Instance;
        _relays = relays;
        _authenticator = new RequestAuthenticator(credentials, new NonceService(options.NonceLifetime, options.OfferSha256, time), options.Realm);
        _ipv4Ports = new RelayPortPool(options.MinRelayPort, options.MaxRelayPort);
        _ipv6Ports = new RelayPortPool(options.MinRelayPort, options.MaxRelayPort);
        _rateLimiter = new UnauthenticatedRateLimiter(options.UnauthenticatedRequestsPerSecond, new SourcePrefix(options.IPv6SourcePrefix), time);
        _channelCooldownTicks = Ticks(Allocation.ChannelCooldown);
    }

    /// <summary>
    /// Applies reloaded settings without touching live allocations: users and REST secrets, peer
    /// rules, quotas, lifetimes, alternate servers and the like apply to the next request. What is
    /// bound to sockets or baked into nonces (relay addresses, port range, realm, nonce lifetime)
    /// needs a restart: a change there is refused with an <see cref="InvalidOptionsException"/> naming it.
    /// </summary>
    public void Reconfigure(TurnServerOptions options, ICredentialStore credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.NeedingARestartFrom(_options) is { Count: > 0 } restartOnly)
        {
            throw new InvalidOptionsException(restartOnly, restartOnly.Count == 1 ? "takes effect only on a restart" : "take effect only on a restart");
        }

        Volatile.Write(ref _authenticator, new RequestAuthenticator(credentials, _authenticator.Nonces, options.Realm));
        Volatile.Write(ref _options, options);
    }

    public AllocationTable Allocations { get; } = new();

    public EngineCounters Counters { get; } = new();

    /// <summary>Whether a relay address of the family is configured, so its ports are ever handed out.</summary>
    public bool RelaysFamily(Protocol.Addressing.StunAddressFamily family) => _options.RelayAddresses.Any(r => r.Family == family);

    /// <summary>
    /// The ports the host listens on (STUN/TURN, TLS, DTLS, metrics, admin, signaling), added as it
    /// binds them: a peer at one of the server's own addresses on these ports is always refused.
    /// </summary>
    public OwnListeners OwnListeners { get; } = new();

    /// <summary>
    /// While set, Allocate requests are refused (300 to an alternate server, else 508) and everything
    /// else is served: live allocations refresh, relay and end as usual until they are gone.
    /// </summary>
    public bool Draining
    {
        get => Volatile.Read(ref _draining);
        set => Volatile.Write(ref _draining, value);
    }

    /// <summary>
    /// Handles one message from a client: STUN or ChannelData. Writes any response into
    /// <paramref name="response"/> (at least 1500 bytes, or the largest request on a stream) and
    /// returns its length, 0 for none.
    /// </summary>
    public int ProcessClientMessage(ReadOnlySpan<byte> message, in ClientContext context, Span<byte> response)
    {
        if (message.Length > 0 && message[0] >> 6 == 1)
        {
            RelayChannelData(message, context.FiveTuple);
            return 0;
        }

        var status = StunMessage.Read(message, out var request);
        if (status != StunReadStatus.Ok)
        {
            Counters.Drop(DropReason.Malformed);
            EngineLog.Malformed(_logger, context.FiveTuple, status);
            return 0;
        }

        if (request.HasFingerprint && !request.VerifyFingerprint())
        {
            Counters.Drop(DropReason.BadFingerprint);
            EngineLog.BadFingerprint(_logger, context.FiveTuple);
            return 0;
        }

        return request.Class switch
        {
            StunClass.Request => Answered(request.Method, ProcessRequest(request, context, response), response),
            StunClass.Indication when request.Method == StunMethod.Send => RelaySendIndication(request, context.FiveTuple),
            _ => 0,
        };
    }

    private int ProcessRequest(in StunMessage request, in ClientContext context, Span<byte> response)
    {
        if (request.Method == StunMethod.Binding)
        {
            return Admits(context) ? AnswerBinding(request, context, response) : Dropped(context, request);
        }

        if (request.Method is not (StunMethod.Allocate or StunMethod.Refresh or StunMethod.CreatePermission or StunMethod.ChannelBind
            or StunMethod.Connect or StunMethod.ConnectionBind))
        {
            return Admits(context)
                ? WriteError(response, request, StunErrorCode.BadRequest, default, sha256: false)
                : Dropped(context, request);
        }

        Span<byte> keys = stackalloc byte[RequestAuthenticator.KeyBufferLength];
        var outcome = _authenticator.Authenticate(request, context.FiveTuple, keys, out var credentials);
        if (outcome != AuthenticationOutcome.Authenticated)
        {
            if (!Admits(context))
            {
                return Dropped(context, request);
            }

            if (outcome == AuthenticationOutcome.ForeignNonce)
            {
                Counters.Drop(DropReason.Replayed);
            }

            if (outcome != AuthenticationOutcome.Challenge)
            {
                Counters.AuthenticationFailed();
                EngineLog.AuthenticationFailed(_logger, context.FiveTuple, request.Method, outcome);
            }
            else if (ShortOfAChallenge(request, context) is var refusal and not 0)
            {
                return WriteUnauthenticatedError(response, request, refusal);
            }

            return WriteChallenge(response, request, context, outcome);
        }

        Span<ushort> unknown = stackalloc ushort[16];
        var unknownCount = FindUnknownAttributes(request, unknown);
        if (unknownCount > 0)
        {
            var reply = Reply(response, request, StunClass.ErrorResponse, credentials);
            reply.Writer.WriteErrorCode(StunErrorCode.UnknownAttribute);
            reply.Writer.WriteUnknownAttributes(unknown[..unknownCount]);
            return reply.Finish();
        }

        return request.Method switch
        {
            StunMethod.Allocate => AnswerAllocate(request, context, credentials, response),
            StunMethod.Refresh => AnswerRefresh(request, context, credentials, response),
            StunMethod.CreatePermission => AnswerCreatePermission(request, context, credentials, response),
            StunMethod.ChannelBind => AnswerChannelBind(request, context, credentials, response),
            StunMethod.Connect => AnswerConnect(request, context, credentials, response),
            _ => AnswerConnectionBind(request, context, credentials, response),
        };
    }

    /// <summary>Ends expired allocations, permissions, channels and port reservations. Call about once a second.</summary>
    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var allocation in Allocations.All)
        {
            bool expired;
            lock (allocation)
            {
                // Checked again under the lock: a Refresh may have just moved the expiry.
                expired = !allocation.Ended && allocation.IsExpired(now);
                allocation.Ended |= expired;
                if (!expired)
                {
                    allocation.Sweep(now, _channelCooldownTicks);
                    SweepPendingTcpConnections(allocation, now);
                }
            }

            if (expired)
            {
                Release(allocation, "expired");
            }
        }

        _ipv4Ports.SweepReservations(now);
        _ipv6Ports.SweepReservations(now);
    }

    /// <summary>
    /// Ends the allocation of a five-tuple, if it has one: a TCP or TLS client's allocation lives no
    /// longer than its connection (RFC 8656 section 3.2).
    /// </summary>
    public void EndAllocation(in FiveTuple fiveTuple, string reason)
    {
        if (Allocations.TryGet(fiveTuple, out var allocation))
        {
            End(allocation!, reason);
        }
    }

    /// <summary>Ends the allocation with this <see cref="Allocation.Id"/>, if it is live: an operator's decision.</summary>
    public bool EndAllocation(long id, string reason)
    {
        var allocation = Allocations.All.FirstOrDefault(a => a.Id == id);
        if (allocation is null)
        {
            return false;
        }

        End(allocation, reason);
        return true;
    }

    /// <summary>Ends every allocation, releasing their relay sockets: for shutdown.</summary>
    public void EndAll()
    {
        foreach (var allocation in Allocations.All)
        {
            End(allocation, "server stopping");
        }
    }

    private void End(Allocation allocation, string reason)
    {
        lock (allocation)
        {
            if (allocation.Ended)
            {
                return;
            }

            allocation.Ended = true;
        }

        Release(allocation, reason);
    }

    // Once an allocation is marked ended, exactly one caller gets here to free what it holds.
    private void Release(Allocation allocation, string reason)
    {
        Allocations.Remove(allocation);
        Counters.AllocationEnded(allocation);
        ReleaseRelays(allocation);
        CloseTcpConnections(allocation);
        EngineLog.AllocationEnded(_logger, allocation.Username, allocation.FiveTuple, reason);
    }

    /// <summary>
    /// Whether an unauthenticated request gets an answer. Over UDP, within the per-IP budget: its
    /// source may be spoofed, so answers are what a reflection attack would use. Over TCP and TLS the
    /// handshake proved the address and connections are limited per IP, while a silent drop would
    /// leave an honest client waiting out its 39.5-second timeout, so every request is answered.
    /// </summary>
    private bool Admits(in ClientContext context) =>
        context.Kind.IsStream() || _rateLimiter.TryAcquire(context.FiveTuple.Client);

    private int Answered(StunMethod method, int length, ReadOnlySpan<byte> response)
    {
        if (length > 0)
        {
            Counters.Answered(method, response[..length]);
        }

        return length;
    }

    private int Dropped(in ClientContext context, in StunMessage request)
    {
        Counters.Drop(DropReason.RateLimited);
        EngineLog.RateLimited(_logger, context.FiveTuple, request.Method);
        return 0;
    }

    private static int FindUnknownAttributes(in StunMessage request, Span<ushort> unknown)
    {
        var count = 0;
        foreach (var attribute in request.Attributes)
        {
            if (attribute.Type.IsComprehensionRequired() && !IsUnderstood(attribute.Type) && count < unknown.Length)
            {
                unknown[count++] = (ushort)attribute.Type;
            }
        }

        return count;
    }

    // Comprehension-required attributes this server acts on or may safely ignore in a TURN request.
    private static bool IsUnderstood(StunAttributeType type) => type is StunAttributeType.Username or StunAttributeType.MessageIntegrity
        or StunAttributeType.MessageIntegritySha256 or StunAttributeType.Realm or StunAttributeType.Nonce
        or StunAttributeType.PasswordAlgorithm or StunAttributeType.Userhash or StunAttributeType.ChannelNumber
        or StunAttributeType.Lifetime or StunAttributeType.XorPeerAddress or StunAttributeType.Data
        or StunAttributeType.RequestedAddressFamily or StunAttributeType.EvenPort or StunAttributeType.RequestedTransport
        or StunAttributeType.DontFragment or StunAttributeType.ReservationToken or StunAttributeType.ConnectionId;

    private ResponseBuilder Reply(Span<byte> buffer, in StunMessage request, StunClass responseClass, in VerifiedCredentials credentials) =>
        new(buffer, request, responseClass, credentials.Key, credentials.Sha256Integrity, Fingerprint(request), _options.Software);

    private bool Fingerprint(in StunMessage request) => _options.AlwaysFingerprint || request.HasFingerprint;

    private int WriteError(Span<byte> buffer, in StunMessage request, StunErrorCode code, in VerifiedCredentials credentials, bool sha256)
    {
        var reply = new ResponseBuilder(buffer, request, StunClass.ErrorResponse, credentials.Key, sha256, Fingerprint(request), _options.Software);
        reply.Writer.WriteErrorCode(code);
        return reply.Finish();
    }

    private int Refuse(Span<byte> buffer, in StunMessage request, in ClientContext context, StunErrorCode code, in VerifiedCredentials credentials)
    {
        EngineLog.Refused(_logger, context.FiveTuple, request.Method, code);
        return WriteError(buffer, request, code, credentials, credentials.Sha256Integrity);
    }

    /// <summary>
    /// An unsigned request that could not succeed even with credentials gets the error it would end
    /// in, not a 401: a challenge is about four times the size of a bare request, the gain a spoofed
    /// source would reflect. An Allocate without REQUESTED-TRANSPORT is 400 whatever the transport.
    /// Over UDP, any other request is 437 when its five-tuple has no allocation; that tells only the
    /// sender, and a spoofer never sees it. An unsigned request from a five-tuple that has an allocation
    /// is still challenged: its only possible victim is that allocation's own client.
    /// </summary>
    private StunErrorCode ShortOfAChallenge(in StunMessage request, in ClientContext context)
    {
        if (request.Method == StunMethod.Allocate)
        {
            return request.HasAttribute(StunAttributeType.RequestedTransport) ? 0 : StunErrorCode.BadRequest;
        }

        return !context.Kind.IsStream() && !Allocations.TryGet(context.FiveTuple, out _)
            ? StunErrorCode.AllocationMismatch
            : 0;
    }

    /// <summary>
    /// 401 or 438 with REALM and a fresh NONCE (and the offer of algorithms), or 400. Answers to
    /// unauthenticated requests carry no reason phrase (RFC 8489 section 14.8 lets it be empty): what
    /// a spoofer could reflect is kept to what a client needs, the code.
    /// </summary>
    private int WriteChallenge(Span<byte> buffer, in StunMessage request, in ClientContext context, AuthenticationOutcome outcome)
    {
        if (outcome == AuthenticationOutcome.BadRequest)
        {
            return WriteUnauthenticatedError(buffer, request, StunErrorCode.BadRequest);
        }

        var reply = new ResponseBuilder(buffer, request, StunClass.ErrorResponse, [], false, Fingerprint(request), _options.Software);
        var code = outcome is AuthenticationOutcome.StaleNonce or AuthenticationOutcome.ForeignNonce ? StunErrorCode.StaleNonce : StunErrorCode.Unauthorized;
        reply.Writer.WriteErrorCode((int)code, default);
        reply.Writer.WriteAttribute(StunAttributeType.Realm, _authenticator.Realm);
        _authenticator.Nonces.Write(context.FiveTuple, reply.Writer.AddAttribute(StunAttributeType.Nonce, _authenticator.Nonces.Length));

        if (_options.OfferSha256)
        {
            reply.Writer.WritePasswordAlgorithms(RequestAuthenticator.Algorithms);
        }

        return reply.Finish();
    }

    /// <summary>An error to an unauthenticated request: unsigned, and without a reason phrase.</summary>
    private int WriteUnauthenticatedError(Span<byte> buffer, in StunMessage request, StunErrorCode code)
    {
        var reply = new ResponseBuilder(buffer, request, StunClass.ErrorResponse, [], false, Fingerprint(request), _options.Software);
        reply.Writer.WriteErrorCode((int)code, default);
        return reply.Finish();
    }

    /// <summary>The relay ports of a family's range (also read by metrics).</summary>
    public RelayPortPool PortsFor(Protocol.Addressing.StunAddressFamily family) =>
        family == Protocol.Addressing.StunAddressFamily.IPv6 ? _ipv6Ports : _ipv4Ports;

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private long Seconds(long ticks) => ticks / _time.TimestampFrequency;
}
