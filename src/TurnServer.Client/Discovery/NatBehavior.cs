namespace TurnServer.Client.Discovery;

/// <summary>How a NAT maps a local address to public ones (RFC 4787 section 4.1, tested as RFC 5780 section 4.3 says).</summary>
public enum MappingBehavior
{
    Unknown,

    /// <summary>One public address for every destination, or no NAT at all.</summary>
    EndpointIndependent,

    AddressDependent,

    AddressAndPortDependent,

    /// <summary>Two servers saw different mappings, but without RFC 5780 it cannot be told which kind.</summary>
    EndpointDependent,
}

/// <summary>Which senders a NAT lets in to a mapping (RFC 4787 section 5, tested as RFC 5780 section 4.4 says).</summary>
public enum FilteringBehavior
{
    Unknown,
    EndpointIndependent,
    AddressDependent,
    AddressAndPortDependent,
}

/// <summary>The classic names (RFC 3489's), as people know them.</summary>
public enum NatType
{
    Unknown,

    /// <summary>No answer at all: UDP to the server does not get through.</summary>
    UdpBlocked,

    /// <summary>No NAT and nothing filtered.</summary>
    OpenInternet,

    /// <summary>No NAT, but a firewall lets in only those the host sent to.</summary>
    SymmetricUdpFirewall,

    FullCone,
    RestrictedCone,
    PortRestrictedCone,

    /// <summary>Endpoint-independent mapping whose filtering could not be tested (no RFC 5780 server).</summary>
    Cone,

    Symmetric,
}

/// <summary>How the behaviour was found.</summary>
public enum DiscoveryMethod
{
    /// <summary>RFC 5780 tests against one server with an alternate address (OTHER-ADDRESS).</summary>
    Rfc5780,

    /// <summary>The mappings two servers saw, compared: mapping only, no filtering.</summary>
    TwoServerComparison,

    /// <summary>One server without RFC 5780 and no second one: only the public address is known.</summary>
    SingleServer,
}
