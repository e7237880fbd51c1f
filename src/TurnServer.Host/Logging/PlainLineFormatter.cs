using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace TurnServer.Host.Logging;

/// <summary>
/// One line per entry for people reading a console or journal: time, level, category, message, and an
/// exception's text on the lines after. Microsoft's simple formatter prints each entry's event id,
/// which for source-generated log methods is a hash of the method name (<c>turnserver[790544604]</c>):
/// noise to a reader, and nothing a grep needs.
/// </summary>
internal sealed class PlainLineFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "turnserver";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(LevelName(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(message);
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(Environment.NewLine);
            textWriter.Write(exception.ToString());
        }

        textWriter.Write(Environment.NewLine);
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
