using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using TurnServer.Host.Configuration;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Options;
using TurnServer.Relay.Processing;
using TurnServer.Transports.Tls;

namespace TurnServer.Host.Hosting;

/// <summary>
/// SIGHUP, or a call: reads the configuration again and applies what can change under live
/// allocations (users, REST secrets, peer rules, quotas, lifetimes, alternate servers), then
/// reloads the certificate. A configuration that fails to read, or changes what needs a restart,
/// is logged and ignored; the server keeps serving the previous one.
/// </summary>
internal sealed partial class ConfigurationReloader : IDisposable
{
    private readonly ServerSettings _started;
    private readonly Func<ServerSettings>? _reread;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private TurnEngine? _engine;
    private CertificateStore? _certificates;
    private ServerSettings _current;
    private PosixSignalRegistration? _signal;

    public ConfigurationReloader(ServerSettings started, Func<ServerSettings>? reread, ILogger logger, TimeProvider time)
    {
        _started = started;
        _current = started;
        _reread = reread;
        _logger = logger;
        _time = time;
    }

    /// <summary>The settings in force: the last ones read without error.</summary>
    public ServerSettings Current => Volatile.Read(ref _current);

    /// <summary>
    /// Takes SIGHUP from now on. Its default action ends the process, so this goes in before
    /// anything announces that the server is up; a signal before <see cref="Serve"/> is swallowed.
    /// </summary>
    public void ListenForSignal() =>
        _signal = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            if (Volatile.Read(ref _engine) is null)
            {
                return;
            }

            try
            {
                Reload();
            }
#pragma warning disable CA1031 // A reload that fails in an unforeseen way must not take the running server down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogReloadFailed(_logger, e.Message);
            }
        });

    /// <summary>The engine a reload reconfigures; from now on a SIGHUP reloads.</summary>
    public void Serve(TurnEngine engine) => Volatile.Write(ref _engine, engine);

    /// <summary>The certificate a reload reads again, once the TLS listeners hold it.</summary>
    public void ReloadCertificates(CertificateStore? certificates) => Volatile.Write(ref _certificates, certificates);

    /// <summary>The credentials the given settings describe.</summary>
    public CredentialStore Credentials(ServerSettings source) =>
        new(source.Users, source.AuthSecrets.Count > 0 ? new RestApiSecrets(source.AuthSecrets, source.Engine.Realm, _time) : null);

    /// <summary>True when both the configuration and the certificate were applied.</summary>
    public bool Reload()
    {
        var engine = Volatile.Read(ref _engine) ?? throw new InvalidOperationException("The server has not started.");
        var applied = false;
        if (_reread is not null)
        {
            try
            {
                var fresh = _reread();

                // A user made up for this run keeps its password: clients were given it.
                var users = fresh.GeneratedPassword is not null && _started.GeneratedPassword is not null ? _started.Users : fresh.Users;
                engine.Reconfigure(fresh.Engine, Credentials(fresh with { Users = users }));
                Volatile.Write(ref _current, fresh with { Users = users });
                LogReloaded(_logger, users.Count, fresh.AuthSecrets.Count);
                applied = true;
            }
            catch (InvalidOptionsException e)
            {
                LogReloadFailed(_logger, EngineSettingKeys.Describe(e));
            }
            catch (Exception e) when (e is ConfigurationException or Tomlyn.TomlException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, e.Message);
            }
        }

        var certificate = Volatile.Read(ref _certificates)?.Reload() ?? true;
        return applied && certificate;
    }

    public void Dispose() => _signal?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reloaded: {Users} users, {Secrets} REST secrets; live allocations kept")]
    private static partial void LogReloaded(ILogger logger, int users, int secrets);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration not reloaded, still serving the previous one: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
