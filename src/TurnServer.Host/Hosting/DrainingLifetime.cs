using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TurnServer.Host.Hosting;

/// <summary>
/// Replaces the console lifetime so that SIGTERM (what Docker, systemd and Kubernetes send) and
/// SIGUSR1 (coturn's) drain before exiting: new allocations are refused, live ones run until they end
/// or the drain timeout passes. A second SIGTERM, SIGINT (Ctrl-C) or SIGQUIT stops at once.
/// </summary>
internal sealed partial class DrainingLifetime(TurnServerService server, IHostApplicationLifetime lifetime, ILogger<DrainingLifetime> logger) : IHostLifetime, IDisposable
{
    /// <summary>Linux's number for SIGUSR1, which <see cref="PosixSignal"/> does not name.</summary>
    private const PosixSignal SigUsr1 = (PosixSignal)10;

    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _draining;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, StopNow));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Drain));
        if (OperatingSystem.IsLinux())
        {
            _registrations.Add(PosixSignalRegistration.Create(SigUsr1, Drain));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void StopNow(PosixSignalContext context)
    {
        context.Cancel = true;
        lifetime.StopApplication();
    }

    private void Drain(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Exchange(ref _draining, 1) == 1)
        {
            LogStoppingNow(logger, context.Signal);
            lifetime.StopApplication();
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await server.DrainAsync(lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped another way meanwhile.
            }
            catch (InvalidOperationException)
            {
                // Signalled before the server had started: there is nothing to drain.
            }
            finally
            {
                lifetime.StopApplication();
            }
        });
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Signal} while draining: stopping now")]
    private static partial void LogStoppingNow(ILogger logger, PosixSignal signal);
}
