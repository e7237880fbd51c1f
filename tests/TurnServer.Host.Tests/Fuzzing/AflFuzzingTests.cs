using System.Globalization;
using System.Text.RegularExpressions;
using TurnServer.Host.Tests.Integration;
using TurnServer.Host.Tests.Interop;

namespace TurnServer.Host.Tests.Fuzzing;

/// <summary>
/// Each fuzz target under AFL++ for a bounded time (FUZZ_SECONDS, 20 by default; scripts/fuzz.sh runs
/// longer ones): no crash and no hang, and the corpus grows past its seeds, which shows the coverage
/// feedback reaches AFL++ from the instrumented assemblies. And every checked-in input, the seeds and
/// what earlier runs found, replays through its target uninstrumented.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed partial class AflFuzzingTests
{
    private static readonly string Root = Testing.SharedData.RepositoryRoot;

    /// <summary>The harness as the solution built it, in the configuration these tests run in.</summary>
    private static readonly string Harness = Path.Combine(
        Root, "tests", "TurnServer.Fuzz", "bin", Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory))!), "net10.0");

    public static TheoryData<string> Targets => new("stun-reader", "stream-framer", "dispatch", "toml", "coturn-config");

    [RequiresToolTheory("afl-fuzz", "afl++")]
    [MemberData(nameof(Targets))]
    public async Task UnderAfl_NoCrashOrHang_AndCoverageGrowsTheCorpus(string target)
    {
        var seconds = Environment.GetEnvironmentVariable("FUZZ_SECONDS") ?? "20";

        var (exit, output) = await ExternalTool.RunAsync(
            "/usr/bin/env",
            [$"FUZZ_BUILD={Harness}", "bash", Path.Combine(Root, "scripts", "fuzz.sh"), target, seconds],
            TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture) + 120));

        Assert.True(exit == 0, $"scripts/fuzz.sh {target} {seconds} (exit {exit}):\n{output}");
        var summary = Summary().Match(output);
        Assert.True(summary.Success, output);
        Assert.True(long.Parse(summary.Groups["inputs"].Value, CultureInfo.InvariantCulture) > 1_000, output);
        Assert.True(int.Parse(summary.Groups["corpus"].Value, CultureInfo.InvariantCulture) > int.Parse(summary.Groups["seeds"].Value, CultureInfo.InvariantCulture), output);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task CheckedInInputs_Replay(string target)
    {
        var directories = new[] { "FuzzCorpus", "FuzzRegressions" }.Select(folder => Path.Combine(Root, "tests", folder, target)).Where(Directory.Exists).ToList();
        Assert.Contains(directories, directory => directory.Contains("FuzzCorpus", StringComparison.Ordinal) && Directory.EnumerateFiles(directory).Any());

        var (exit, output) = await ExternalTool.RunAsync("dotnet", [Path.Combine(Harness, "TurnServer.Fuzz.dll"), "replay", target, .. directories], TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, output);
        Assert.Matches($"^{Regex.Escape(target)}: [1-9][0-9]* inputs replayed", output);
    }

    [GeneratedRegex(@": (?<inputs>\d+) inputs in \d+ s, corpus (?<corpus>\d+) \(from (?<seeds>\d+) seeds\), 0 crashes, 0 hangs")]
    private static partial Regex Summary();
}
