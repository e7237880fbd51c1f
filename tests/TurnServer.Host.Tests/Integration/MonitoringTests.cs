using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TurnServer.Host.Tests.Interop;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>/metrics, /healthz and /readyz on the running server, checked by promtool and scraped by a real Prometheus.</summary>
[Collection(SequentialCollection.Name)]
public sealed class MonitoringTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _directory = Directory.CreateTempSubdirectory("turnserver-prometheus-").FullName;
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync("--prometheus", "--prometheus-port=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Uri Url(string path) => new($"http://{_server.MonitoringEndPoint}{path}");

    [Fact]
    public async Task Metrics_CountAllocationsRequestsAndTraffic()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();

        using var response = await _http.GetAsync(Url("/metrics"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(1, Sample(text, "turnserver_allocations"));
        // At least one each: on a busy machine the test client retransmits, and the server counts what it answers.
        Assert.InRange(Sample(text, "turnserver_requests_total{method=\"allocate\",result=\"success\"}"), 1, 3);
        Assert.InRange(Sample(text, "turnserver_requests_total{method=\"allocate\",result=\"401\"}"), 1, 3);
        Assert.Contains("turnserver_build_info{version=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("otel_scope_name", text, StringComparison.Ordinal);
    }

    /// <summary>The process and runtime series come from OpenTelemetry's instrumentation, under the names docs/operations.md gives.</summary>
    [Fact]
    public async Task Metrics_IncludeProcessAndRuntimeSeries()
    {
        var text = await _http.GetStringAsync(Url("/metrics"));

        Assert.True(Sample(text, "process_memory_usage_bytes") > 1024 * 1024, "resident memory above 1 MiB");
        Assert.InRange(Sample(text, "process_cpu_time_seconds_total{cpu_mode=\"user\"}"), 0.01, 3600);
        Assert.InRange(Sample(text, "dotnet_gc_collections_total{gc_heap_generation=\"gen0\"}"), 0, long.MaxValue);
        Assert.InRange(Sample(text, "dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}"), 0, long.MaxValue);
        Assert.True(Sample(text, "dotnet_gc_heap_total_allocated_bytes_total") > 0);
        Assert.Contains("target_info{service_name=\"turnserver\"", text, StringComparison.Ordinal);
    }

    /// <summary>The value of one series; a series without labels may be written <c>name</c> or <c>name{}</c>.</summary>
    private static double Sample(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal) || l.StartsWith(series + "{} ", StringComparison.Ordinal));
        Assert.True(line is not null, $"{series} missing from:\n{text}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task UnknownMethods_ShareOneSeries()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        foreach (var method in new[] { (StunMethod)0x005, (StunMethod)0x00F })
        {
            Assert.Equal(400, UdpTurnClient.ErrorCode(client.Exchange(client.Build(method, null, signed: false))));
        }

        var text = await _http.GetStringAsync(Url("/metrics"));
        var series = text.Split('\n').Where(line => line.StartsWith("turnserver_requests_total{method=\"other\",result=\"400\"} ", StringComparison.Ordinal)).ToList();
        Assert.True(series.Count == 1 && long.Parse(series[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= 2, text);
    }

    [RequiresToolFact("promtool", "prometheus")]
    public async Task AlertRules_PassPromtoolsChecksAndUnitTests_AndNameOnlyMetricsWeExport()
    {
        var rules = Testing.SharedData.RepositoryRoot + "/config/prometheus";
        var (checkExit, check) = await ExternalTool.RunAsync("promtool", ["check", "rules", $"{rules}/turnserver-rules.yml"], TimeSpan.FromSeconds(30));
        Assert.True(checkExit == 0, check);
        var (testExit, test) = await ExternalTool.RunAsync("promtool", ["test", "rules", $"{rules}/turnserver-rules.test.yml"], TimeSpan.FromSeconds(60));
        Assert.True(testExit == 0, test);

        await AssertExported(await File.ReadAllTextAsync($"{rules}/turnserver-rules.yml"));
    }

    /// <summary>The Grafana dashboard's queries, with its variables filled in, must be PromQL promtool accepts, over our metrics.</summary>
    [RequiresToolFact("promtool", "prometheus")]
    public async Task Dashboard_QueriesParse_AndNameOnlyMetricsWeExport()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Testing.SharedData.RepositoryRoot + "/config/grafana/turnserver-dashboard.json"));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!.Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal))
            .ToList();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries");

        // promtool checks PromQL in rule files: each query becomes a recording rule.
        var path = Path.Combine(_directory, "dashboard-queries.yml");
        var rules = new System.Text.StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (var i = 0; i < queries.Count; i++)
        {
            rules.Append(CultureInfo.InvariantCulture, $"      - record: dashboard:query_{i}\n        expr: {JsonSerializer.Serialize(queries[i])}\n");
        }

        await File.WriteAllTextAsync(path, rules.ToString());
        var (exit, output) = await ExternalTool.RunAsync("promtool", ["check", "rules", path], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        await AssertExported(string.Join('\n', queries));
    }

    /// <summary>Every turnserver_*, process_* and dotnet_* metric the text names appears in a scrape of a server with an allocation and a refusal.</summary>
    private async Task AssertExported(string text)
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();
        // A second Allocate on the same five-tuple is refused (437), so the refusal series exists.
        Assert.Equal(437, UdpTurnClient.ErrorCode(client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));
        var exposition = await _http.GetStringAsync(Url("/metrics"));
        var named = System.Text.RegularExpressions.Regex.Matches(text, @"\b(turnserver|process|dotnet)_[a-z_]+\b").Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(named);
        Assert.All(named, metric => Assert.Contains($"\n{metric}", "\n" + exposition, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RelayPorts_FreeAndInAll_ByFamily()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();
        var text = await _http.GetStringAsync(Url("/metrics"));

        var size = Sample(text, "turnserver_relay_ports{family=\"ipv4\"}");
        Assert.Equal(65535 - 49152 + 1, size);
        Assert.Equal(size - 1, Sample(text, "turnserver_relay_ports_free{family=\"ipv4\"}"));
    }

    [RequiresToolFact("promtool", "prometheus")]
    public async Task Promtool_AcceptsTheExposition()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();
        var path = Path.Combine(_directory, "metrics.txt");
        await File.WriteAllTextAsync(path, await _http.GetStringAsync(Url("/metrics")));

        var (exit, output) = await ExternalTool.RunAsync("/bin/sh", ["-c", $"promtool check metrics < '{path}'"], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0 && output.Trim().Length == 0, $"promtool check metrics (exit {exit}):\n{output}");
    }

    [RequiresToolFact("prometheus", "prometheus")]
    public async Task Prometheus_ScrapesTheEndpoint()
    {
        var port = ExternalTool.FreeTcpPort();
        var config = Path.Combine(_directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: turnserver
                static_configs:
                  - targets: ["{_server.MonitoringEndPoint}"]
            """);
        using var prometheus = ExternalTool.Start(ExternalTool.Require("prometheus", "prometheus"),
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory, "data")}", $"--web.listen-address=127.0.0.1:{port}"]);
        try
        {
            var query = new Uri($"http://127.0.0.1:{port}/api/v1/query?query=" + Uri.EscapeDataString("turnserver_uptime_seconds{job=\"turnserver\"}"));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string? value = null;
            while (value is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
                value = await ScrapedValue(query);
            }

            Assert.NotNull(value);
            Assert.True(double.Parse(value, CultureInfo.InvariantCulture) > 0);
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Readyz_TurnsUnavailable_WhileDraining_AndHealthzStaysOk()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(Url("/readyz"))).StatusCode);
        Assert.Equal(0, await _server.DrainAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(Url("/readyz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(Url("/healthz"))).StatusCode);
    }

    private async Task<string?> ScrapedValue(Uri query)
    {
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync(query));
            var results = document.RootElement.GetProperty("data").GetProperty("result");
            return results.GetArrayLength() > 0 ? results[0].GetProperty("value")[1].GetString() : null;
        }
        catch (HttpRequestException)
        {
            return null; // Prometheus is still starting.
        }
    }
}
