using System.Net.Sockets;
using System.Reflection;
using TurnServer.Relay.Allocations;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// Breaks an allocation's relay socket behind its back. A Linux UDP socket has no way to be made to
/// fail from outside (shutdown() leaves a non-blocking read waiting, closing the descriptor would
/// race the runtime's own close), so the socket is closed through the endpoint's private field.
/// </summary>
internal static class RelaySocketSabotage
{
    public static void CloseUnderneath(Allocation allocation)
    {
        var endpoint = allocation.Relays[0].Endpoint;
        var field = endpoint.GetType().GetField("_socket", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"{endpoint.GetType().Name} keeps no _socket field any more");
        ((Socket)field.GetValue(endpoint)!).Dispose();
    }
}
