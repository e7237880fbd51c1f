using Microsoft.Extensions.Logging;
using TurnServer.Host.Logging;

namespace TurnServer.Host.Tests.Logging;

public sealed class FileLoggerProviderTests
{
    [Fact]
    public void AFileThatCannotBeWritten_CostsItsLines_SaysSoOnce_AndCountsThemWhenWritableAgain()
    {
        var file = new FillableStream();
        var errors = new StringWriter();
        using var provider = new FileLoggerProvider(file, "turnserver.log", errors);
        var logger = provider.CreateLogger("test");

        Log(logger, "before");
        provider.Flush();
        file.Full = true;
        Log(logger, "lost one");
        Log(logger, "lost two");
        provider.Flush();
        file.Full = false;
        Log(logger, "after");
        provider.Flush();

        var lines = file.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("test: before", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("2 log lines were lost while this file could not be written", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("test: after", lines[2], StringComparison.Ordinal);
        Assert.Single(errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot write the log file turnserver.log", errors.ToString(), StringComparison.Ordinal);
    }

    private static void Log(ILogger logger, string message) => logger.Log(LogLevel.Information, default, message, null, (state, _) => state);

    /// <summary>A file on a disk that fills and empties: writes fail with ENOSPC's IOException while full.</summary>
    private sealed class FillableStream : MemoryStream
    {
        public bool Full { get; set; }

        public string Text => System.Text.Encoding.UTF8.GetString(ToArray());

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Full)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer, offset, count);
        }
    }
}
