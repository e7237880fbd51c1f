using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using TurnServer.Host.Configuration;

namespace TurnServer.Host.Monitoring;

/// <summary>Pushes the TurnServer meter's instruments to an OpenTelemetry collector, for those who run one instead of Prometheus.</summary>
internal static class OtlpExport
{
    public static MeterProvider Start(OtlpSettings settings) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("turnserver", serviceVersion: Usage.Version))
            .AddMeter(TurnServerInstruments.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = settings.Endpoint;
                exporter.Protocol = settings.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)settings.Interval.TotalMilliseconds;
            })
            .Build();
}
