using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Processing;

/// <summary>Source-generated log messages, cheap when their level is off.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a malformed message from {Client}: {Status}")]
    public static partial void Malformed(ILogger logger, FiveTuple client, StunReadStatus status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a message from {Client} with a wrong FINGERPRINT")]
    public static partial void BadFingerprint(ILogger logger, FiveTuple client);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rate limit: dropped an unauthenticated {Method} from {Client}")]
    public static partial void RateLimited(ILogger logger, FiveTuple client, StunMethod method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication failed for {Method} from {Client}: {Outcome}")]
    public static partial void AuthenticationFailed(ILogger logger, FiveTuple client, StunMethod method, Authentication.AuthenticationOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} from {Client} refused: {Code}")]
    public static partial void Refused(ILogger logger, FiveTuple client, StunMethod method, StunErrorCode code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Allocation created for {User} at {Client}: relay {Relay}, lifetime {Lifetime}s")]
    public static partial void AllocationCreated(ILogger logger, string user, FiveTuple client, Protocol.Addressing.TransportAddress relay, long lifetime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Allocation of {User} at {Client} ended: {Reason}")]
    public static partial void AllocationEnded(ILogger logger, string user, FiveTuple client, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {User} at {Client} a relay to {Peer}: one of this server's own listeners")]
    public static partial void RelayLoopRefused(ILogger logger, string user, FiveTuple client, Protocol.Addressing.TransportAddress peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a permission for {User} at {Client} to {Peer}: peer policy")]
    public static partial void PeerRefused(ILogger logger, string user, FiveTuple client, Protocol.Addressing.TransportAddress peer);
}
