using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace TurnServer.Host.Logging;

/// <summary>
/// The console logger with Microsoft's formatters (simple or JSON, as configured) but its lines
/// written by a <see cref="LogLineWriter"/>, in batches, instead of by a thread woken for each line.
/// Configuration aimed at the console (<c>Logging:Console:...</c>) still applies to it.
/// </summary>
[ProviderAlias("Console")]
internal sealed class BatchingConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private const string Category = "turnserver";

    // A line longer than this (an exception's stack) is not kept in a thread's buffer afterwards.
    private const int RetainedLineCapacity = 1024;

    [ThreadStatic]
    private static StringWriter? t_line;

    private readonly ConsoleFormatter _formatter;
    private readonly LogLineWriter _writer;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public BatchingConsoleLoggerProvider(ConsoleFormatter formatter, Stream output, TextWriter errors)
    {
        _formatter = formatter;
        _writer = new LogLineWriter(output, "standard output", errors, LostNotice);
    }

    /// <summary>
    /// Adds the console logger with the formatter <paramref name="addFormatter"/> registers (through
    /// Microsoft's AddSimpleConsole or AddJsonConsole), writing through this provider instead of theirs.
    /// </summary>
    public static void Add(ILoggingBuilder logging, Action<ILoggingBuilder> addFormatter)
    {
        addFormatter(logging);
        var theirs = logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList();
        foreach (var descriptor in theirs)
        {
            logging.Services.Remove(descriptor);
        }

        logging.Services.AddSingleton<ILoggerProvider>(services =>
        {
            // As Microsoft's does, an unknown formatter name falls back to the simple one.
            var name = services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName;
            var formatters = services.GetServices<ConsoleFormatter>().ToList();
            var formatter = formatters.FirstOrDefault(f => f.Name == name) ?? formatters.First(f => f.Name == ConsoleFormatterNames.Simple);
            return new BatchingConsoleLoggerProvider(formatter, Console.OpenStandardOutput(), Console.Error);
        });
    }

    public ILogger CreateLogger(string categoryName) => new ConsoleLineLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() => _writer.Dispose();

    private string LostNotice(long lost) =>
        Format(new LogEntry<long>(LogLevel.Warning, Category, default, lost, null, static (count, _) => $"{count} log lines were lost: standard output could not take them"));

    private string Format<TState>(in LogEntry<TState> entry)
    {
        var line = t_line ??= new StringWriter();
        var builder = line.GetStringBuilder();
        try
        {
            _formatter.Write(entry, _scopes, line);

            // The writer ends each line itself.
            var length = builder.Length;
            while (length > 0 && builder[length - 1] is '\n' or '\r')
            {
                length--;
            }

            return builder.ToString(0, length);
        }
        finally
        {
            builder.Clear();
            if (builder.Capacity > RetainedLineCapacity)
            {
                t_line = null;
            }
        }
    }

    private sealed class ConsoleLineLogger(BatchingConsoleLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = provider.Format(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter));
            if (line.Length > 0)
            {
                provider._writer.Write(line);
            }
        }
    }
}
