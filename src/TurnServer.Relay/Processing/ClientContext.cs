using TurnServer.Relay.Allocations;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

/// <summary>Where a client message came from: its five-tuple and the listener that can answer it.</summary>
public readonly struct ClientContext(FiveTuple fiveTuple, IClientTransport transport)
{
    public FiveTuple FiveTuple { get; } = fiveTuple;

    public IClientTransport Transport { get; } = transport;
}
