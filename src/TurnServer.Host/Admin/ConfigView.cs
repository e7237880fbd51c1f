using TurnServer.Host.Configuration;

namespace TurnServer.Host.Admin;

/// <summary>The settings in force as the admin API shows them: user names but no passwords, secrets only counted.</summary>
internal sealed record ConfigView(
    string Realm,
    string[] ListeningIPs,
    int ListeningPort,
    int[] TlsPorts,
    bool Udp,
    bool Tcp,
    bool Dtls,
    string[] RelayAddresses,
    int MinRelayPort,
    int MaxRelayPort,
    string[] Users,
    int RestSecrets,
    int UserQuota,
    int TotalQuota,
    long MaxAllocationLifetimeSeconds,
    long PermissionLifetimeSeconds,
    long ChannelLifetimeSeconds,
    bool UdpRelay,
    bool TcpRelay,
    string[] AlternateServers,
    long DrainTimeoutSeconds)
{
    public static ConfigView Of(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var engine = settings.Engine;
        return new ConfigView(
            engine.Realm,
            [.. settings.ListeningIPs.Select(ip => ip.ToString())],
            settings.ListeningPort,
            [.. settings.TlsPorts],
            settings.Udp,
            settings.Tcp,
            settings.Dtls,
            [.. engine.RelayAddresses.Select(r => r.Advertised is { } advertised ? $"{r.Local} as {advertised}" : r.Local.ToString())],
            engine.MinRelayPort,
            engine.MaxRelayPort,
            [.. settings.Users.Select(u => u.Name)],
            settings.AuthSecrets.Count,
            engine.UserQuota,
            engine.TotalQuota,
            (long)engine.MaxAllocationLifetime.TotalSeconds,
            (long)engine.PermissionLifetime.TotalSeconds,
            (long)engine.ChannelLifetime.TotalSeconds,
            engine.UdpRelay,
            engine.TcpRelay,
            [.. engine.AlternateServers.Select(a => a.ToString())],
            (long)settings.DrainTimeout.TotalSeconds);
    }
}
