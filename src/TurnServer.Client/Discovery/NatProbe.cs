using System.Net;

namespace TurnServer.Client.Discovery;

/// <summary>
/// One Binding request the discovery wants sent: from which local socket (0 for the mapping tests,
/// 1, a fresh one, for the filtering tests, so the mapping tests' traffic has opened no filter),
/// where to, and whether to ask for the answer from the server's other IP or port.
/// </summary>
public sealed record NatProbe(int Socket, IPEndPoint Destination, bool ChangeIP, bool ChangePort);

/// <summary>What came back: the mapped address, the server's OTHER-ADDRESS and RESPONSE-ORIGIN when given, and where the answer came from.</summary>
public sealed record NatProbeAnswer(IPEndPoint Mapped, IPEndPoint? OtherAddress, IPEndPoint? ResponseOrigin, IPEndPoint ReceivedFrom);
