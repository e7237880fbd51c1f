using System.Net.Sockets;
using System.Reflection;
using TurnServer.Relay.Allocations;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// Breaks an allocation's relay socket behind its back, through the endpoint's private field. Batched,
/// the socket is shut down: epoll reports it readable and the read finds nothing, as for any socket
/// that can no longer receive. Portable, it is closed: a shut-down socket leaves .NET's non-blocking
/// read waiting.
/// </summary>
internal static class RelaySocketSabotage
{
    public static void BreakUnderneath(Allocation allocation, bool batched)
    {
        var endpoint = allocation.Relays[0].Endpoint;
        var field = endpoint.GetType().GetField("_socket", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"{endpoint.GetType().Name} keeps no _socket field any more");
        var socket = (Transports.Udp.DatagramSocket)field.GetValue(endpoint)!;
        if (batched)
        {
            try
            {
                socket.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NotConnected)
            {
                // Linux answers so for an unconnected UDP socket, and shuts it down all the same.
            }
        }
        else
        {
            socket.Dispose();
        }
    }
}
