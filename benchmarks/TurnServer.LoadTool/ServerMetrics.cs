using System.Globalization;

namespace TurnServer.LoadTool;

/// <summary>Our server's garbage collections, read from its Prometheus endpoint.</summary>
internal sealed class ServerMetrics(Uri url) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<long> CollectionsAsync(int generation)
    {
        var prefix = $"dotnet_gc_collections_total{{gc_heap_generation=\"gen{generation}\"}} ";
        var text = await _http.GetStringAsync(url).ConfigureAwait(false);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{url} has no {prefix.Trim()}");
        return long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    public void Dispose() => _http.Dispose();
}
