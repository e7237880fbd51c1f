namespace TurnServer.Coordinator.Strategies;

/// <summary>The ways two peers may end up connected.</summary>
public enum ConnectionStrategy
{
    /// <summary>To the peer's host address: the same network, or a peer with a public address.</summary>
    Direct,

    /// <summary>Both sides send to each other's public (server-reflexive) addresses until the NATs let the packets in.</summary>
    UdpHolePunching,

    /// <summary>
    /// For a symmetric NAT facing a port-restricted cone: the symmetric side opens many sockets
    /// toward the other's public address, the other probes random ports of the symmetric side's
    /// public address, and by the birthday paradox a probe soon lands on one of the many mappings.
    /// </summary>
    PortPrediction,

    /// <summary>
    /// TCP simultaneous open: both sides connect to each other's public TCP address from their
    /// listener's port at once, so each NAT takes the other's SYN for the answer to its own.
    /// </summary>
    TcpHolePunching,

    /// <summary>Through a TURN allocation, over UDP, TCP or TLS to the server: works whatever the NATs do.</summary>
    TurnRelay,
}
