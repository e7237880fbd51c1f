using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TurnServer.Signaling.Hub;
using TurnServer.Signaling.Tokens;

namespace TurnServer.Host.Signaling;

/// <summary>
/// The signaling WebSocket at <c>/signaling</c>. A peer proves its id with a token (issued by the
/// application's backend with the shared secret, or by <c>turnserver signaling-token</c>) in the
/// <c>token</c> query parameter, since browsers cannot set headers on a WebSocket, or as a bearer
/// token. Pings every 15 s; a peer that does not answer within 15 s more is dropped and leaves its rooms.
/// </summary>
internal static class SignalingRoutes
{
    public const string Path = "/signaling";

    private static readonly WebSocketAcceptContext KeepAlive = new() { KeepAliveInterval = TimeSpan.FromSeconds(15), KeepAliveTimeout = TimeSpan.FromSeconds(15) };

    public static void Map(IEndpointRouteBuilder app, SignalingHub hub, string secret, TimeProvider time, CancellationToken stopping)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        app.Map(Path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync("a WebSocket endpoint\n").ConfigureAwait(false);
                return;
            }

            var token = context.Request.Query["token"].FirstOrDefault() ?? Bearer(context.Request.Headers.Authorization.FirstOrDefault());
            if (PeerToken.Validate(key, token, time.GetUtcNow()) is not { } peerId)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync(KeepAlive).ConfigureAwait(false);
            using var peer = new WebSocketPeer(socket, peerId, hub);
            await peer.RunAsync(stopping).ConfigureAwait(false);
        });
    }

    private static string? Bearer(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
}
