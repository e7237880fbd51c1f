using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TurnServer.Coordinator;

/// <summary>
/// Raises the application's events one at a time on a task of their own, never on a receive loop:
/// a slow handler cannot hold packets back, and one that throws is logged and costs nothing else.
/// </summary>
internal sealed partial class EventQueue
{
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _raising;

    public EventQueue(ILogger logger)
    {
        _logger = logger;
        _raising = Task.Run(RaiseLoop);
    }

    public void Post(Action raise) => _events.Writer.TryWrite(raise);

    /// <summary>Raises what is queued, then stops.</summary>
    public Task CompleteAsync()
    {
        _events.Writer.TryComplete();
        return _raising;
    }

    private async Task RaiseLoop()
    {
        await foreach (var raise in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                raise();
            }
#pragma warning disable CA1031 // An application's handler may throw anything; none of it may stop the events that follow.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogHandlerFailed(_logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An event handler threw; the connection carries on")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
