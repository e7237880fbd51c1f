using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace TurnServer.Testing.Fuzzing;

/// <summary>
/// Runs a target on mutated inputs for a bounded time (FUZZ_SECONDS, default given by the test) and
/// fails on the first input that throws or takes longer than a second, after saving it under
/// tests/FuzzRegressions/&lt;target&gt;/ where the target's regression test replays it forever after.
/// The random seed is printed in the failure so a run can be repeated (FUZZ_SEED).
/// </summary>
public static class FuzzRunner
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(1);

    public static FuzzReport Run(string target, IReadOnlyList<byte[]> seeds, Action<byte[]> run, TimeSpan defaultDuration)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(run);
        var duration = Environment.GetEnvironmentVariable("FUZZ_SECONDS") is { } seconds ? TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)) : defaultDuration;
        var seed = Environment.GetEnvironmentVariable("FUZZ_SEED") is { } given ? int.Parse(given, CultureInfo.InvariantCulture) : RandomNumberGenerator.GetInt32(int.MaxValue);
        var mutator = new Mutator(new Random(seed), seeds);
        var stopwatch = Stopwatch.StartNew();
        long executions = 0;
        byte[] current = [];
        long started = 0;
        var failure = default(Exception);

        var worker = new Thread(() =>
        {
            try
            {
                foreach (var input in seeds)
                {
                    Execute(input);
                }

                while (stopwatch.Elapsed < duration)
                {
                    Execute(mutator.Next());
                }
            }
#pragma warning disable CA1031 // Whatever the target throws is the finding.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = $"fuzz {target}",
        };

        void Execute(byte[] input)
        {
            Volatile.Write(ref current, input);
            Volatile.Write(ref started, Stopwatch.GetTimestamp());
            run(input);
            Interlocked.Increment(ref executions);
            Volatile.Write(ref started, 0);
        }

        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(100)))
        {
            var since = Volatile.Read(ref started);
            if (since != 0 && Stopwatch.GetElapsedTime(since) > HangLimit)
            {
                var path = Save(target, Volatile.Read(ref current));
                throw new FuzzFindingException($"{target}: an input ran over {HangLimit.TotalSeconds} s (seed {seed}); saved as {path}");
            }
        }

        if (failure is not null)
        {
            var path = Save(target, current);
            throw new FuzzFindingException($"{target}: an input threw {failure.GetType().Name}: {failure.Message} (seed {seed}); saved as {path}", failure);
        }

        return new FuzzReport(executions, stopwatch.Elapsed, seed);
    }

    /// <summary>The inputs saved for a target: replayed by its regression test.</summary>
    public static IEnumerable<byte[]> Regressions(string target)
    {
        var directory = RegressionDirectory(target);
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "*.bin").Order(StringComparer.Ordinal).Select(File.ReadAllBytes) : [];
    }

    private static string Save(string target, byte[] input)
    {
        var directory = RegressionDirectory(target);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin");
        File.WriteAllBytes(path, input);
        return path;
    }

    private static string RegressionDirectory(string target) => Path.Combine(SharedData.RepositoryRoot, "tests", "FuzzRegressions", target);
}

public sealed record FuzzReport(long Executions, TimeSpan Elapsed, int Seed);

public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException()
    {
    }

    public FuzzFindingException(string message)
        : base(message)
    {
    }

    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
