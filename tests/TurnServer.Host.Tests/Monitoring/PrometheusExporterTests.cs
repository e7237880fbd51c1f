using System.Diagnostics.Metrics;
using TurnServer.Host.Monitoring;

namespace TurnServer.Host.Tests.Monitoring;

public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new("test." + Guid.NewGuid().ToString("N"));

    public void Dispose() => _meter.Dispose();

    [Fact]
    public void ObservableInstruments_AreRead_AtEachScrape_WithTypeAndHelp()
    {
        var value = 3L;
        _meter.CreateObservableCounter("turnserver.things", () => value, description: "Things done.");
        _meter.CreateObservableGauge("turnserver.level", () => 0.5);
        using var exporter = new PrometheusExporter(_meter);

        Assert.Equal(
            "# TYPE turnserver_level gauge\nturnserver_level 0.5\n" +
            "# HELP turnserver_things_total Things done.\n# TYPE turnserver_things_total counter\nturnserver_things_total 3\n",
            exporter.Scrape());
        value = 5;
        Assert.Contains("turnserver_things_total 5\n", exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Counters_AreSummedPerLabelSet_WithLabelsSortedAndEscaped()
    {
        var counter = _meter.CreateCounter<long>("requests");
        using var exporter = new PrometheusExporter(_meter);
        counter.Add(2, new KeyValuePair<string, object?>("method", "allocate"), new KeyValuePair<string, object?>("b.c", "x"));
        counter.Add(3, new KeyValuePair<string, object?>("b.c", "x"), new KeyValuePair<string, object?>("method", "allocate"));
        counter.Add(1, new KeyValuePair<string, object?>("method", "say \"hi\"\\\n"));

        var text = exporter.Scrape();
        Assert.Contains("requests_total{b_c=\"x\",method=\"allocate\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("requests_total{method=\"say \\\"hi\\\"\\\\\\n\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void InstrumentsOfOtherMeters_AreLeftOut()
    {
        using var other = new Meter("test.other." + Guid.NewGuid().ToString("N"));
        other.CreateObservableGauge("elsewhere", () => 1);
        _meter.CreateObservableGauge("here", () => 1);
        using var exporter = new PrometheusExporter(_meter);

        var text = exporter.Scrape();
        Assert.Contains("here 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("elsewhere", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e21, "1E+21")]
    [InlineData(-0.25, "-0.25")]
    public void Numbers_UsePrometheusSpelling(double value, string expected) =>
        Assert.Equal(expected, PrometheusExporter.Number(value));
}
