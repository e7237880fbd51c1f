using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// What operators' tools poll: <c>/metrics</c> for Prometheus, <c>/healthz</c> (the process serves)
/// and <c>/readyz</c> (it takes new allocations: 503 while draining, so a load balancer or Kubernetes
/// stops sending clients).
/// </summary>
internal static class MonitoringRoutes
{
    public static void Map(WebApplication app, PrometheusExporter exporter, Func<bool> ready)
    {
        app.MapGet("/metrics", () => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => ready() ? Results.Text("ready\n") : Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
