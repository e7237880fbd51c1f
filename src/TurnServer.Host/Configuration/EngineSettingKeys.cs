using TurnServer.Relay.Options;

namespace TurnServer.Host.Configuration;

/// <summary>
/// The settings behind the engine's options: an option the engine refuses is reported to the
/// operator by the key they wrote (<c>max-port</c>), not by the engine's property (<c>MaxRelayPort</c>).
/// </summary>
internal static class EngineSettingKeys
{
    private static readonly Dictionary<string, string> KeyOfProperty = new(StringComparer.Ordinal)
    {
        [nameof(TurnServerOptions.Realm)] = "realm",
        [nameof(TurnServerOptions.MinRelayPort)] = "min-port",
        [nameof(TurnServerOptions.MaxRelayPort)] = "max-port",
        [nameof(TurnServerOptions.MaxAllocationLifetime)] = "max-allocate-lifetime",
        [nameof(TurnServerOptions.PermissionLifetime)] = "permission-lifetime",
        [nameof(TurnServerOptions.ChannelLifetime)] = "channel-lifetime",
        [nameof(TurnServerOptions.NonceLifetime)] = "stale-nonce",
        [nameof(TurnServerOptions.UserQuota)] = "user-quota",
        [nameof(TurnServerOptions.TotalQuota)] = "total-quota",
        [nameof(TurnServerOptions.RelayAddresses)] = "relay-ip",
        [TurnServerOptions.AdvertisedRelayAddresses] = "external-ip",
        [nameof(TurnServerOptions.UnauthenticatedRequestsPerSecond)] = "unauthenticated-rate",
        [nameof(TurnServerOptions.IPv6SourcePrefix)] = "ipv6-source-prefix",
    };

    /// <summary>The keys the host reads into the engine's options.</summary>
    public static IReadOnlyCollection<string> Keys => KeyOfProperty.Values;

    /// <summary>The refusal in the operator's words: <c>realm, max-port take effect only on a restart.</c></summary>
    public static string Describe(InvalidOptionsException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);

        // An option no setting reaches (the engine's fixed defaults) keeps its property name.
        var names = refusal.Properties.Select(property => KeyOfProperty.GetValueOrDefault(property, property));
        return $"{string.Join(", ", names)} {refusal.Reason}.";
    }
}
