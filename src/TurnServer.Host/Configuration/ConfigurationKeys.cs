namespace TurnServer.Host.Configuration;

/// <summary>
/// Every setting turnserver knows, by its coturn name, and what kind of value it takes. A key not
/// listed here stops start-up with a message naming it, so a misspelling is never silently ignored.
/// </summary>
internal static class ConfigurationKeys
{
    public enum Kind
    {
        /// <summary>A switch: present means true on the command line.</summary>
        Flag,

        /// <summary>One value.</summary>
        Value,

        /// <summary>May be given several times; a list in TOML.</summary>
        List,
    }

    public static readonly IReadOnlyDictionary<string, Kind> All = new Dictionary<string, Kind>(StringComparer.OrdinalIgnoreCase)
    {
        ["listening-port"] = Kind.Value,
        ["tls-listening-port"] = Kind.List,
        ["cert"] = Kind.Value,
        ["pkey"] = Kind.Value,
        ["cipher-list"] = Kind.Value,
        ["no-udp-relay"] = Kind.Flag,
        ["no-tcp-relay"] = Kind.Flag,
        ["listening-ip"] = Kind.List,
        ["relay-ip"] = Kind.List,
        ["external-ip"] = Kind.List,
        ["min-port"] = Kind.Value,
        ["max-port"] = Kind.Value,
        ["realm"] = Kind.Value,
        ["lt-cred-mech"] = Kind.Flag,
        ["user"] = Kind.List,
        ["use-auth-secret"] = Kind.Flag,
        ["static-auth-secret"] = Kind.List,
        ["allowed-peer-ip"] = Kind.List,
        ["denied-peer-ip"] = Kind.List,
        ["allow-loopback-peers"] = Kind.Flag,
        ["user-quota"] = Kind.Value,
        ["total-quota"] = Kind.Value,
        ["unauthenticated-rate"] = Kind.Value,
        ["ipv6-source-prefix"] = Kind.Value,
        ["max-connections-per-ip"] = Kind.Value,
        ["max-connections"] = Kind.Value,
        ["stale-nonce"] = Kind.Value,
        ["max-allocate-lifetime"] = Kind.Value,
        ["channel-lifetime"] = Kind.Value,
        ["permission-lifetime"] = Kind.Value,
        ["fingerprint"] = Kind.Flag,
        ["no-software-attribute"] = Kind.Flag,
        ["no-udp"] = Kind.Flag,
        ["no-tcp"] = Kind.Flag,
        ["no-tls"] = Kind.Flag,
        ["no-dtls"] = Kind.Flag,
        ["no-rfc5780"] = Kind.Flag,
        ["udp-io"] = Kind.Value,
        ["relay-threads"] = Kind.Value,
        ["log-file"] = Kind.Value,
        ["log-format"] = Kind.Value,
        ["prometheus"] = Kind.Flag,
        ["prometheus-address"] = Kind.Value,
        ["prometheus-port"] = Kind.Value,
        ["drain-timeout"] = Kind.Value,
        ["otlp-endpoint"] = Kind.Value,
        ["otlp-protocol"] = Kind.Value,
        ["otlp-interval"] = Kind.Value,
        ["admin-token"] = Kind.Value,
        ["admin-address"] = Kind.Value,
        ["admin-port"] = Kind.Value,
        ["alternate-server"] = Kind.List,
        ["signaling-secret"] = Kind.Value,
        ["signaling-address"] = Kind.Value,
        ["signaling-port"] = Kind.Value,
        ["verbose"] = Kind.Flag,
    };

    /// <summary>coturn's one-letter forms of the common options.</summary>
    public static readonly IReadOnlyDictionary<char, string> Short = new Dictionary<char, string>
    {
        ['p'] = "listening-port",
        ['L'] = "listening-ip",
        ['E'] = "relay-ip",
        ['X'] = "external-ip",
        ['r'] = "realm",
        ['u'] = "user",
        ['a'] = "lt-cred-mech",
        ['f'] = "fingerprint",
        ['l'] = "log-file",
        ['v'] = "verbose",
    };
}
