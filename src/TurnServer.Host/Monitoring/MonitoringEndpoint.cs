using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// The HTTP listener for operators and their tools: <c>/metrics</c> for Prometheus, <c>/healthz</c>
/// (the process serves) and <c>/readyz</c> (it takes new allocations: 503 while draining, so a load
/// balancer or Kubernetes stops sending clients).
/// </summary>
internal sealed class MonitoringEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MonitoringEndpoint(WebApplication app, IPEndPoint localEndPoint)
    {
        _app = app;
        LocalEndPoint = localEndPoint;
    }

    public IPEndPoint LocalEndPoint { get; }

    public static async Task<MonitoringEndpoint> StartAsync(IPEndPoint endPoint, PrometheusExporter exporter, Func<bool> ready, ILoggerFactory loggers)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "turnserver", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endPoint);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => ready() ? Results.Text("ready\n") : Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync().ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        return new MonitoringEndpoint(app, new IPEndPoint(endPoint.Address, uri.Port));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
