using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Serilog;
using TurnServer.Host.Logging;

namespace TurnServer.Benchmarks.Logging;

/// <summary>
/// What a log line costs the whole process (the threads that log and the one that writes) with our
/// batching writer, with Serilog's async sink over its console and file sinks, and with Microsoft's
/// console logger, at the pace of a burst of allocations: two threads (the UDP loops) each log an
/// allocation's two lines, then pause for a millisecond. Process CPU over a run, less that of the same
/// run with logging off, over the lines. Not a BenchmarkDotNet benchmark: most of the cost is on
/// other threads, and the pace (a writer woken per line, or not) is what is measured.
/// <code>dotnet run -c Release --project benchmarks/TurnServer.Benchmarks -- logging [LINES] [ROUNDS] &gt;/dev/null</code>
/// The figures go to standard error; the console loggers write to standard output.
/// </summary>
internal static partial class LogWriterComparison
{
    private const int LoggingThreads = 2;
    private const string SerilogTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss} {Level:w4} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static int Run(string[] args)
    {
        var lines = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var file = Path.Combine(Path.GetTempPath(), $"turnserver-log-comparison-{Environment.ProcessId}.log");
        var loggers = new (string Name, Func<ILoggerFactory> Create)[]
        {
            ("logging off", () => LoggerFactory.Create(_ => { })),
            ("ours, console", () => LoggerFactory.Create(logging => BatchingConsoleLoggerProvider.Add(logging, PlainLines))),
            ("Serilog async, console", () => Serilog(configuration => configuration.WriteTo.Async(sink => sink.Console(outputTemplate: SerilogTemplate, formatProvider: CultureInfo.InvariantCulture), bufferSize: LogLineWriter.Capacity, blockWhenFull: false))),
            // Serilog's console sink on the logging thread, without the async wrapper: where its cost is.
            ("Serilog, console", () => Serilog(configuration => configuration.WriteTo.Console(outputTemplate: SerilogTemplate, formatProvider: CultureInfo.InvariantCulture))),
            ("Microsoft console", () => LoggerFactory.Create(logging => PlainLines(logging))),
            ("ours, file", () => LoggerFactory.Create(logging => logging.AddProvider(FileLoggerProvider.Open(file, Console.Error)))),
            ("Serilog async, file", () => Serilog(configuration => configuration.WriteTo.Async(sink => sink.File(file, outputTemplate: SerilogTemplate, formatProvider: CultureInfo.InvariantCulture), bufferSize: LogLineWriter.Capacity, blockWhenFull: false))),
        };

        // One round to compile everything, then the rounds alternate the loggers, so a slower minute
        // of the machine falls on all of them alike.
        var cpu = loggers.ToDictionary(logger => logger.Name, _ => new List<double>());
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var (name, create) in loggers)
            {
                File.Delete(file);
                var (microseconds, elapsed) = Measure(create, round == 0 ? lines / 10 : lines);
                if (round > 0)
                {
                    cpu[name].Add(microseconds);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {name,-24} {microseconds,6:F2} µs of process CPU per line, {lines / elapsed.TotalSeconds,6:F0} lines/s"));
                }
            }
        }

        File.Delete(file);
        var baseline = Median(cpu["logging off"]);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lines} lines a round, {rounds} rounds; medians, less logging off ({baseline:F2} µs):"));
        foreach (var (name, _) in loggers.Skip(1))
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-24} {Median(cpu[name]) - baseline,6:F2} µs per line"));
        }

        return 0;
    }

    private static void PlainLines(ILoggingBuilder logging) =>
        logging.AddConsole(options => options.FormatterName = PlainLineFormatter.FormatterName).AddConsoleFormatter<PlainLineFormatter, ConsoleFormatterOptions>();

    private static ILoggerFactory Serilog(Func<LoggerConfiguration, LoggerConfiguration> sinks) =>
        LoggerFactory.Create(logging => logging.AddSerilog(sinks(new LoggerConfiguration().MinimumLevel.Information()).CreateLogger(), dispose: true));

    private static (double MicrosecondsPerLine, TimeSpan Elapsed) Measure(Func<ILoggerFactory> create, int lines)
    {
        var factory = create();
        var logger = factory.CreateLogger("turnserver");
        var allocationsPerThread = lines / LoggingThreads / 2;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, LoggingThreads).Select(thread => new Thread(() =>
        {
            for (var allocation = 0; allocation < allocationsPerThread; allocation++)
            {
                var client = string.Create(CultureInfo.InvariantCulture, $"198.51.100.{thread + 10}:{50000 + (allocation % 10000)}");
                AllocationCreated(logger, "alice", client, "203.0.113.5:49160", 600);
                AllocationEnded(logger, "alice", client, "refreshed with lifetime 0");
                Thread.Sleep(1);
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        // Disposing writes what is still queued, so that work is counted too.
        factory.Dispose();
        var elapsed = stopwatch.Elapsed;
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / lines, elapsed);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    // The two lines the engine logs for each allocation (src/TurnServer.Relay/Processing/EngineLog.cs).
    [LoggerMessage(Level = LogLevel.Information, Message = "Allocation created for {User} at {Client}: relay {Relay}, lifetime {Lifetime}s")]
    private static partial void AllocationCreated(Microsoft.Extensions.Logging.ILogger logger, string user, string client, string relay, int lifetime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Allocation of {User} at {Client} ended: {Reason}")]
    private static partial void AllocationEnded(Microsoft.Extensions.Logging.ILogger logger, string user, string client, string reason);
}
