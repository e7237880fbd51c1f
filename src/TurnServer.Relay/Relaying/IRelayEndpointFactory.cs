using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Allocations;

namespace TurnServer.Relay.Relaying;

/// <summary>Opens relay sockets for the engine, which decides the address and port.</summary>
public interface IRelayEndpointFactory
{
    /// <summary>
    /// Binds a socket to <paramref name="address"/> whose received datagrams go to
    /// <see cref="Processing.TurnEngine.RelayToClient"/> for <paramref name="owner"/>. False when the port
    /// is taken by something outside the engine's knowledge.
    /// </summary>
    bool TryOpen(in TransportAddress address, bool dontFragment, Allocation owner, out IRelayEndpoint? endpoint);
}
