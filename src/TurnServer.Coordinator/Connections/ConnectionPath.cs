using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Coordinator.Candidates;
using TurnServer.Coordinator.Strategies;

namespace TurnServer.Coordinator.Connections;

/// <summary>
/// The path a connection's packets take: from which of our bases (socket or relay) to which of the
/// peer's addresses, and the strategy that found it.
/// </summary>
public sealed record ConnectionPath(PathKind Kind, ConnectionStrategy Strategy, ClientTransport Transport, CandidateKind LocalKind, IPEndPoint Local, CandidateKind RemoteKind, IPEndPoint Remote)
{
    public override string ToString() =>
        $"{Kind.ToString().ToLowerInvariant()} via {Strategy} over {Transport.ToString().ToUpperInvariant()} ({LocalKind} {Local} -> {RemoteKind} {Remote})";
}
