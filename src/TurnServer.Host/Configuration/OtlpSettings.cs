namespace TurnServer.Host.Configuration;

/// <summary>Pushing metrics to an OpenTelemetry collector: where, how, and how often.</summary>
public sealed record OtlpSettings(Uri Endpoint, bool Grpc, TimeSpan Interval)
{
    /// <summary>
    /// From <c>otlp-endpoint</c> (a URL; none turns OTLP off), <c>otlp-protocol</c> (grpc, the OTLP
    /// default on port 4317, or http/protobuf on 4318) and <c>otlp-interval</c>.
    /// </summary>
    public static OtlpSettings? Read(string? endpoint, string? protocol, TimeSpan interval)
    {
        if (protocol is not (null or "" or "grpc" or "http/protobuf"))
        {
            throw new ConfigurationException($"otlp-protocol takes grpc or http/protobuf, not '{protocol}'");
        }

        if (string.IsNullOrEmpty(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException($"otlp-endpoint '{endpoint}' is not an http or https URL");
        }

        if (interval <= TimeSpan.Zero)
        {
            throw new ConfigurationException("otlp-interval must be at least 1 second");
        }

        // Set in code rather than by environment variable, the HTTP exporter takes the URL as given: add the metrics path.
        return protocol == "http/protobuf"
            ? new OtlpSettings(uri.AbsolutePath is "" or "/" ? new Uri(uri, "/v1/metrics") : uri, Grpc: false, interval)
            : new OtlpSettings(uri, Grpc: true, interval);
    }
}
