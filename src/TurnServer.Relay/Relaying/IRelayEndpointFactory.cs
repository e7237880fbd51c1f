using TurnServer.Protocol.Addressing;

namespace TurnServer.Relay.Relaying;

/// <summary>Opens relay sockets for the engine, which decides the address and port.</summary>
public interface IRelayEndpointFactory
{
    /// <summary>
    /// Binds a socket to <paramref name="address"/> whose received datagrams go to
    /// <paramref name="sink"/>. False when the port is taken by something outside the engine's knowledge.
    /// </summary>
    bool TryOpen(in TransportAddress address, bool dontFragment, IRelaySink sink, out IRelayEndpoint? endpoint);
}
