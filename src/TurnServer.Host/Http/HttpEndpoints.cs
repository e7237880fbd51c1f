using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TurnServer.Host.Http;

/// <summary>
/// One Kestrel serving every HTTP role (metrics and health, admin, signaling), each on its own
/// address. A route answers only on the listener of its role: the admin API is not reachable
/// through the public metrics port even though one server holds both. Two roles given the same
/// concrete address share one listener.
/// </summary>
internal sealed class HttpEndpoints : IAsyncDisposable
{
    private static readonly object RolesKey = new();
    private readonly WebApplication _app;
    private readonly Dictionary<HttpRole, ListenOptions> _listeners;

    private HttpEndpoints(WebApplication app, Dictionary<HttpRole, ListenOptions> listeners)
    {
        _app = app;
        _listeners = listeners;
    }

    /// <summary>The bound address of a role, with the real port when 0 was configured; null when the role is not served.</summary>
    public IPEndPoint? EndPointOf(HttpRole role) => _listeners.TryGetValue(role, out var listen) ? listen.IPEndPoint : null;

    /// <summary>Starts the listeners, or returns null when no role is configured.</summary>
    public static async Task<HttpEndpoints?> StartAsync(IReadOnlyList<HttpSurface> surfaces, ILoggerFactory loggers)
    {
        if (surfaces.Count == 0)
        {
            return null;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "turnserver", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        var listeners = new Dictionary<HttpRole, ListenOptions>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var (endPoint, roles) in ByAddress(surfaces))
            {
                kestrel.Listen(endPoint, listen =>
                {
                    listen.Use(next => connection =>
                    {
                        connection.Items[RolesKey] = roles;
                        return next(connection);
                    });
                    foreach (var role in roles)
                    {
                        listeners[role] = listen;
                    }
                });
            }
        });

        var app = builder.Build();
        if (surfaces.Any(s => s.Role == HttpRole.Signaling))
        {
            app.UseWebSockets();
        }

        app.UseRouting();
        app.Use(RefuseOtherRoles);
        foreach (var surface in surfaces)
        {
            surface.MapRoutes(app.MapGroup(string.Empty).WithMetadata(new ServedAs(surface.Role)));
        }

        await app.StartAsync().ConfigureAwait(false);
        return new HttpEndpoints(app, listeners);
    }

    // Port 0 asks for a port of its own each time, so only concrete ports are shared.
    private static IEnumerable<(IPEndPoint EndPoint, HttpRole[] Roles)> ByAddress(IReadOnlyList<HttpSurface> surfaces) =>
        surfaces.Where(s => s.EndPoint.Port == 0).Select(s => (s.EndPoint, new[] { s.Role }))
            .Concat(surfaces.Where(s => s.EndPoint.Port != 0).GroupBy(s => s.EndPoint).Select(g => (g.Key, g.Select(s => s.Role).ToArray())));

    private static Task RefuseOtherRoles(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ServedAs>() is { } served
            && context.Features.Get<IConnectionItemsFeature>()?.Items[RolesKey] is HttpRole[] roles
            && !roles.Contains(served.Role))
        {
            context.SetEndpoint(null);
        }

        return next(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record ServedAs(HttpRole Role);
}
