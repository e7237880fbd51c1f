using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TurnServer.Host.Logging;

/// <summary>
/// Appends log lines to a file (coturn's log-file). Microsoft.Extensions.Logging has no file logger.
/// Lines are written by a <see cref="LogLineWriter"/>, so a slow or full disk costs lines, never the
/// caller: a logger that throws or blocks fails whatever was logging, the UDP loops included.
/// Standard error says when lines start being lost, and the file says how many once it can be
/// written again.
/// </summary>
internal sealed class FileLoggerProvider(Stream file, string path, TextWriter errors) : ILoggerProvider
{
    private readonly LogLineWriter _writer = new(file, $"the log file {path}", errors, LostNotice);

    public static FileLoggerProvider Open(string path, TextWriter errors) =>
        // Unbuffered: a buffer that failed to flush would be written, torn, once the disk has room.
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), path, errors);

    public ILogger CreateLogger(string categoryName) => new FileLogger(_writer, categoryName);

    /// <summary>Writes what is queued now, on the calling thread.</summary>
    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();

    private static string LostNotice(long lost) =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} Warning turnserver: {lost} log lines were lost while this file could not be written");

    private sealed class FileLogger(LogLineWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {logLevel} {category}: {formatter(state, exception)}");
            writer.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
