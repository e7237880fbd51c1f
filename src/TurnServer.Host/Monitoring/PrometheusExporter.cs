using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// Renders a meter's instruments in the Prometheus text exposition format (version 0.0.4), written
/// here because the OpenTelemetry Prometheus exporters are not in the package registry. Observable
/// instruments are read at each scrape; counters and up-down counters that are added to are summed
/// per label set as they are recorded. Histograms are not rendered (the server has none).
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly Lock _scrape = new();
    private readonly Dictionary<Instrument, List<(string Labels, double Value)>> _observed = [];
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _accumulated = new();

    public PrometheusExporter(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter && instrument is not Histogram<long> and not Histogram<double>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Scrape()
    {
        lock (_scrape)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            var samples = new Dictionary<Instrument, List<(string Labels, double Value)>>(_observed);
            foreach (var ((instrument, labels), value) in _accumulated)
            {
                if (!samples.TryGetValue(instrument, out var list))
                {
                    samples[instrument] = list = [];
                }

                list.Add((labels, value));
            }

            var text = new StringBuilder();
            foreach (var (instrument, list) in samples.OrderBy(s => s.Key.Name, StringComparer.Ordinal))
            {
                Render(text, instrument, list);
            }

            return text.ToString();
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        if (instrument.IsObservable)
        {
            // Called from RecordObservableInstruments, under the scrape lock.
            if (!_observed.TryGetValue(instrument, out var list))
            {
                _observed[instrument] = list = [];
            }

            list.Add((labels, value));
        }
        else
        {
            _accumulated.AddOrUpdate((instrument, labels), value, (_, total) => total + value);
        }
    }

    private static void Render(StringBuilder text, Instrument instrument, List<(string Labels, double Value)> samples)
    {
        var isCounter = instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;
        var name = MetricName(instrument.Name) + (isCounter ? "_total" : string.Empty);
        if (!string.IsNullOrEmpty(instrument.Description))
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }

        text.Append("# TYPE ").Append(name).Append(isCounter ? " counter\n" : " gauge\n");
        foreach (var (labels, value) in samples.OrderBy(s => s.Labels, StringComparer.Ordinal))
        {
            text.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
        }
    }

    /// <summary>Prometheus names allow letters, digits, underscores and colons: dots become underscores.</summary>
    internal static string MetricName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '_' or ':') || (i == 0 && char.IsAsciiDigit(chars[i])))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    internal static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var pairs = new List<KeyValuePair<string, object?>>(tags.ToArray());
        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?
                .Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            text.Append(MetricName(key)).Append("=\"").Append(escaped).Append('"');
        }

        return text.Append('}').ToString();
    }

    internal static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    public void Dispose() => _listener.Dispose();
}
