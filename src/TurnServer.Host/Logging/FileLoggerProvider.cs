using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TurnServer.Host.Logging;

/// <summary>
/// Appends log lines to a file (coturn's log-file). Microsoft.Extensions.Logging has no file logger;
/// this one writes through a single locked writer, which is enough for request-rate logging since the
/// data path does not log. A file that cannot be written (a full disk) costs the lines, never the
/// caller: a logger that throws fails whatever was logging, the UDP loops included. Standard error
/// says when lines start being lost, and the file says how many once it can be written again.
/// </summary>
internal sealed class FileLoggerProvider(Stream file, string path, TextWriter errors) : ILoggerProvider
{
    private readonly StreamWriter _writer = new(file) { AutoFlush = true };
    private readonly Lock _gate = new();
    private long _lost;

    public static FileLoggerProvider Open(string path, TextWriter errors) =>
        // Unbuffered below the writer: a buffer that failed to flush would be written, torn, once the disk has room.
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), path, errors);

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            try
            {
                if (_lost > 0)
                {
                    _writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} Warning turnserver: {_lost} log lines were lost while this file could not be written"));
                    _lost = 0;
                }

                _writer.WriteLine(line);
            }
            catch (IOException e)
            {
                if (_lost++ == 0)
                {
                    errors.WriteLine($"turnserver: cannot write the log file {path}: {e.Message}; its lines are lost until it can be written");
                }
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {logLevel} {category}: {formatter(state, exception)}");
            provider.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
