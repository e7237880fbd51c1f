using Microsoft.Extensions.Logging;

namespace TurnServer.Transports.Tls;

/// <summary>
/// The server certificate, from a PEM certificate (chain) and key (coturn's cert and pkey), reloaded
/// without a restart: new handshakes get the new certificate, live connections keep theirs. A reload
/// that fails keeps the old certificate and logs why.
/// </summary>
public sealed partial class CertificateStore : IDisposable
{
    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private ServerCertificate _current;

    public CertificateStore(string certificatePath, string keyPath, ILogger logger)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _logger = logger;
        _current = ServerCertificate.Load(_certificatePath, _keyPath);
        var directory = Path.GetDirectoryName(_certificatePath);
        if (directory is not null && Directory.Exists(directory))
        {
            _watcher = new FileSystemWatcher(directory) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.CreationTime };
            _watcher.Changed += OnFileChanged;
            _watcher.Created += OnFileChanged;
            _watcher.Renamed += OnFileChanged;
            _watcher.EnableRaisingEvents = true;
        }
    }

    public ServerCertificate Current => Volatile.Read(ref _current);

    /// <summary>Reads both files again; on SIGHUP and when they change on disk.</summary>
    public bool Reload()
    {
        try
        {
            var fresh = ServerCertificate.Load(_certificatePath, _keyPath);
            // The previous certificate may still serve live connections, so it is not disposed here.
            Volatile.Write(ref _current, fresh);
            LogReloaded(_logger, fresh.Leaf.Subject, fresh.Leaf.NotAfter);
            return true;
        }
#pragma warning disable CA1031 // A half-written file must not take the server down: keep serving the old certificate.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, _certificatePath, e.Message);
            return false;
        }
    }

    private void OnFileChanged(object sender, FileSystemEventArgs e)
    {
        if (string.Equals(e.FullPath, _certificatePath, StringComparison.Ordinal) || string.Equals(e.FullPath, _keyPath, StringComparison.Ordinal))
        {
            Reload();
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _current.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate loaded: {Subject}, valid until {NotAfter}")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS certificate {Path} could not be reloaded ({Reason}); still serving the previous one")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
