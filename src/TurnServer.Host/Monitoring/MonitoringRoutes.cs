using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Metrics;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// What operators' tools poll: <c>/metrics</c> for Prometheus, <c>/healthz</c> (the process serves)
/// and <c>/readyz</c> (it takes new allocations: 503 while draining, so a load balancer or Kubernetes
/// stops sending clients).
/// </summary>
internal static class MonitoringRoutes
{
    public static void Map(IEndpointRouteBuilder app, MeterProvider metrics, Func<bool> ready)
    {
        app.MapPrometheusScrapingEndpoint("/metrics", metrics, configureBranchedPipeline: null, optionsName: null);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => ready() ? Results.Text("ready\n") : Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
