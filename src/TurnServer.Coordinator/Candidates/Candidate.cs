using System.Net;

namespace TurnServer.Coordinator.Candidates;

/// <summary>An address a peer may be reached at, offered over signaling: UDP unless <see cref="Protocol"/> says tcp.</summary>
public sealed record Candidate(CandidateKind Kind, string Address, int Port)
{
    public const string Udp = "udp";
    public const string Tcp = "tcp";

    public string Protocol { get; init; } = Udp;

    public static Candidate Of(CandidateKind kind, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new(kind, endPoint.Address.ToString(), endPoint.Port);
    }

    /// <summary>The address, or null when a peer offered something that is not one.</summary>
    public IPEndPoint? ToEndPoint() =>
        IPAddress.TryParse(Address, out var address) && Port is > 0 and <= 65535 ? new IPEndPoint(address, Port) : null;
}
