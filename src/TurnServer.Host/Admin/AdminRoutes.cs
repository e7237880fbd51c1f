using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TurnServer.Host.Configuration;
using TurnServer.Relay.Processing;
using TurnServer.Transports;

namespace TurnServer.Host.Admin;

/// <summary>
/// The operator's API, on its own listener (loopback unless configured otherwise) and only with a
/// bearer token: list the live allocations, end one, sum up the server's state, and show the
/// settings in force with the secrets left out. A read-only status page at <c>/admin/status</c>
/// shows the same numbers in a browser.
/// </summary>
internal static class AdminRoutes
{
    public static void Map(IEndpointRouteBuilder app, string token, TurnEngine engine, TransportCounters transports, Func<ServerSettings> settings, TimeProvider time)
    {
        var started = time.GetTimestamp();
        StatusPageFiles.Map(app);
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Unauthorized();
            }

            return await next(context).ConfigureAwait(false);
        });

        admin.MapGet("/allocations", () => Results.Json(engine.Allocations.All.OrderBy(a => a.Id).Select(a => AllocationView.Of(a, time)).ToArray()));
        admin.MapDelete("/allocations/{id:long}", (long id) =>
            engine.EndAllocation(id, "ended by the operator") ? Results.NoContent() : Results.NotFound());
        admin.MapGet("/summary", () => Results.Json(StatusSummary.Of(engine, transports, time.GetElapsedTime(started))));
        admin.MapGet("/config", () => Results.Json(ConfigView.Of(settings())));
    }
}
