using TurnServer.Relay.Allocations;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

/// <summary>
/// Where a client message came from: its five-tuple, the kind of transport it came over, the
/// listener that can answer it, and what that listener can do beyond answering.
/// </summary>
public readonly struct ClientContext
{
    public ClientContext(FiveTuple fiveTuple, ClientTransportKind kind, IClientTransport transport)
    {
        if (kind.Protocol() != fiveTuple.Protocol)
        {
            throw new ArgumentException($"a {kind} client has a {kind.Protocol()} five-tuple, not {fiveTuple.Protocol}", nameof(kind));
        }

        FiveTuple = fiveTuple;
        Kind = kind;
        Transport = transport;
    }

    public FiveTuple FiveTuple { get; }

    public ClientTransportKind Kind { get; }

    public IClientTransport Transport { get; }

    /// <summary>The listener's place in an RFC 5780 group, when it has one: CHANGE-REQUEST is honoured.</summary>
    public IBehaviorDiscoveryTransport? BehaviorDiscovery { get; init; }

    /// <summary>The client's connection, when it can become a peer data connection (RFC 6062 section 5.4).</summary>
    public IStreamClient? DataConnection { get; init; }
}
