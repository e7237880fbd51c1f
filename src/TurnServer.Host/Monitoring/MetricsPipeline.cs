using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using TurnServer.Host.Configuration;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// One OpenTelemetry meter provider for the server's instruments and the runtime's and process's
/// series, read by Prometheus at <c>/metrics</c> and pushed to a collector over OTLP when
/// <c>otlp-endpoint</c> is set. Every instrument is observable, so nothing here runs per packet:
/// the callbacks read the engine's counters when a scrape or an export asks.
/// </summary>
internal static class MetricsPipeline
{
    public static MeterProvider? Start(OtlpSettings? otlp, bool prometheus)
    {
        if (otlp is null && !prometheus)
        {
            return null;
        }

        var builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("turnserver", serviceVersion: Usage.Version))
            .AddMeter(TurnServerInstruments.MeterName)
            .AddRuntimeInstrumentation()
            .AddProcessInstrumentation()
            // Prometheus reserves "_count" for histograms and summaries (promtool check metrics says
            // so), so the gauges the instrumentation names *.count get the names Prometheus's own
            // process collector uses, or go where they tell an operator nothing (the assemblies loaded,
            // the machine's CPU count).
            .AddView("process.thread.count", "process.threads")
            .AddView("process.unix.file_descriptor.count", "process.open_fds")
            .AddView("dotnet.timer.count", "dotnet.timers")
            .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop);
        if (otlp is not null)
        {
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = otlp.Endpoint;
                exporter.Protocol = otlp.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.Interval.TotalMilliseconds;
            });
        }

        if (prometheus)
        {
            // Without scope labels, each series reads as it did before the exporter came from
            // OpenTelemetry (turnserver_allocations, not turnserver_allocations{otel_scope_name=...}),
            // so dashboards and alert rules written against it keep working.
            builder.AddPrometheusExporter(options => options.ScopeInfoEnabled = false);
        }

        return builder.Build();
    }
}
