using System.Net;

namespace TurnServer.Client.Turn;

/// <summary>What <see cref="TurnClient.ReceiveFromAsync"/> got: like a socket's receive-from, the byte count and the peer.</summary>
public readonly record struct TurnReceiveResult(int ReceivedBytes, IPEndPoint RemoteEndPoint);
