namespace TurnServer.Coordinator.Candidates;

/// <summary>Where a candidate address comes from, as ICE names them (RFC 8445 section 5.1.1).</summary>
public enum CandidateKind
{
    /// <summary>An address of the host's own interface.</summary>
    Host,

    /// <summary>The host's public address as a STUN server saw it.</summary>
    ServerReflexive,

    /// <summary>Learnt from a check that arrived from an address not offered (a symmetric NAT's new mapping).</summary>
    PeerReflexive,

    /// <summary>An address on a TURN server that relays to the host.</summary>
    Relayed,
}
