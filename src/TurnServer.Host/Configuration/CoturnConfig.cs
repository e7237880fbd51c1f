using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace TurnServer.Host.Configuration;

/// <summary>
/// coturn's turnserver.conf read for what it means here: one option per line as <c>name=value</c>,
/// <c>name value</c> or a bare switch, <c>#</c> comments, values optionally in double quotes. The
/// options we share are converted (and written as TOML by <c>migrate-config</c>); options that name
/// what this server always does are noted as such; the rest are listed, with their lines, as not
/// supported, never silently dropped.
/// </summary>
public sealed partial class CoturnConfig
{
    /// <summary>coturn switches (4.6 and 4.17) whose effect is this server's fixed behaviour.</summary>
    private static readonly HashSet<string> AlwaysSo = new(StringComparer.OrdinalIgnoreCase)
    {
        "no-multicast-peers", "no-loopback-peers", "no-tlsv1", "no-tlsv1_1", "no-sslv3", "no-cli",
        "response-origin-only-with-rfc5780",
        // coturn 4.17: nonces without a table, recvmmsg on listeners (udp-io = "batched"), the RFC
        // 5766 channel range 0x4000-0x7FFE, and RFC 3489 Binding requests answered.
        "stateless-nonce", "udp-recvmmsg", "rfc5766-channel-numbers", "stun-backward-compatibility",
        // coturn 4.17's opt-in rate limit on 401s to a source: ours on unauthenticated requests is always on.
        "unauthorized-ratelimit",
    };

    /// <summary>coturn 4.17 options that are one of ours under another name.</summary>
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["unauthorized-ratelimit-rps"] = "unauthenticated-rate",
    };

    /// <summary>coturn 4.17 switches that turn on what is on here by default: the opposite of our no-* setting.</summary>
    private static readonly Dictionary<string, string> Negated = new(StringComparer.OrdinalIgnoreCase)
    {
        ["rfc5780"] = "no-rfc5780",
        ["dtls"] = "no-dtls",
    };

    /// <summary>coturn options that name a feature this server has another way, or not at all, and why.</summary>
    private static readonly Dictionary<string, string> Explained = new(StringComparer.OrdinalIgnoreCase)
    {
        ["no-stun-backward-compatibility"] = "RFC 3489 Binding requests are always answered here",
        ["stateless-nonce-secret"] = "nonces are keyed by a random secret each process makes",
        ["include-reason-string"] = "reason phrases go in answers to authenticated requests, never in those to unauthenticated ones",
        ["keep-address-family"] = "relays are IPv4 unless REQUESTED-ADDRESS-FAMILY asks for IPv6 (RFC 6156)",
    };

    private readonly Dictionary<string, List<string>> _converted = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _alwaysSo = [];
    private readonly List<(int Line, string Option, string Why)> _unsupported = [];

    private CoturnConfig()
    {
    }

    /// <summary>Converted options in file order; flags as "true"/"false", lists with every value.</summary>
    public IReadOnlyDictionary<string, List<string>> Converted => _converted;

    /// <summary>Switches that ask for what this server does anyway.</summary>
    public IReadOnlyList<string> AlwaysSoHere => _alwaysSo;

    /// <summary>Options with no equivalent here (or a value that could not be read), by line.</summary>
    public IReadOnlyList<(int Line, string Option, string Why)> Unsupported => _unsupported;

    public static CoturnConfig Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var config = new CoturnConfig();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = OptionLine().Match(line);
            var name = match.Groups["name"].Value.TrimStart('-');
            var value = match.Groups["value"].Success ? Unquote(match.Groups["value"].Value.Trim()) : null;
            config.Add(lineNumber, name, value);
        }

        return config;
    }

    private void Add(int line, string name, string? value)
    {
        if (AlwaysSo.Contains(name))
        {
            if (Switch(value) == false)
            {
                _unsupported.Add((line, name, "always so here; it cannot be turned off"));
            }
            else
            {
                _alwaysSo.Add(name);
            }

            return;
        }

        if (Negated.TryGetValue(name, out var ours))
        {
            if (Switch(value) is { } on)
            {
                _converted[ours] = [on ? "false" : "true"];
            }
            else
            {
                _unsupported.Add((line, name, $"'{value}' is not on or off"));
            }

            return;
        }

        if (Explained.TryGetValue(name, out var why))
        {
            _unsupported.Add((line, name, why));
            return;
        }

        if (SpecialCase(line, name, value))
        {
            return;
        }

        name = Renamed.GetValueOrDefault(name, name);

        if (!ConfigurationKeys.All.TryGetValue(name, out var kind))
        {
            _unsupported.Add((line, name, "no equivalent here"));
            return;
        }

        switch (kind)
        {
            case ConfigurationKeys.Kind.Flag:
                if (Switch(value) is { } on)
                {
                    _converted[name] = [on ? "true" : "false"];
                }
                else
                {
                    _unsupported.Add((line, name, $"'{value}' is not on or off"));
                }

                break;
            case ConfigurationKeys.Kind.Value when string.IsNullOrEmpty(value):
                _unsupported.Add((line, name, "no value"));
                break;
            case ConfigurationKeys.Kind.Value:
                _converted[name] = [value!];
                break;
            default:
                if (string.IsNullOrEmpty(value))
                {
                    _unsupported.Add((line, name, "no value"));
                }
                else if (_converted.TryGetValue(name, out var list))
                {
                    list.Add(value);
                }
                else
                {
                    _converted[name] = [value];
                }

                break;
        }
    }

    /// <summary>coturn 4.17's options whose values map onto ours only in part.</summary>
    private bool SpecialCase(int line, string name, string? value)
    {
        switch (name.ToLowerInvariant())
        {
            case "log-min-level":
                switch (value?.Trim('"').ToLowerInvariant())
                {
                    case "debug" or "trace":
                        _converted["verbose"] = ["true"];
                        break;
                    case "info" or "information":
                        _converted["verbose"] = ["false"];
                        break;
                    default:
                        _unsupported.Add((line, name, $"'{value}': only debug (verbose) or info here"));
                        break;
                }

                return true;
            case "allocation-default-address-family":
                if (value?.Trim('"').Equals("ipv4", StringComparison.OrdinalIgnoreCase) == true)
                {
                    _alwaysSo.Add(name);
                }
                else
                {
                    _unsupported.Add((line, name, $"'{value}': relays are IPv4 unless REQUESTED-ADDRESS-FAMILY asks for IPv6 (RFC 6156)"));
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>The converted options as configuration keys, laid out as the TOML file's would be (a list's values as <c>name:0</c>, <c>name:1</c>...).</summary>
    public Dictionary<string, string?> ToConfiguration()
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in _converted)
        {
            if (ConfigurationKeys.All[name] == ConfigurationKeys.Kind.List)
            {
                for (var i = 0; i < values.Count; i++)
                {
                    settings[ConfigurationPath.Combine(name, i.ToString(CultureInfo.InvariantCulture))] = values[i];
                }
            }
            else
            {
                settings[name] = values[0];
            }
        }

        return settings;
    }

    /// <summary>The converted options as turnserver.toml, with what was left out in comments at the top.</summary>
    public string ToToml(string source)
    {
        var toml = new StringBuilder();
        toml.Append("# Converted from ").Append(source).Append(" by turnserver migrate-config.\n");
        foreach (var (line, option, why) in _unsupported)
        {
            toml.Append(CultureInfo.InvariantCulture, $"# Not converted: {option} (line {line}): {why}\n");
        }

        if (_alwaysSo.Count > 0)
        {
            toml.Append("# Always so here, so not needed: ").AppendJoin(", ", _alwaysSo.Distinct(StringComparer.OrdinalIgnoreCase)).Append('\n');
        }

        toml.Append('\n');
        foreach (var (name, values) in _converted)
        {
            toml.Append(name).Append(" = ");
            if (ConfigurationKeys.All[name] == ConfigurationKeys.Kind.List)
            {
                toml.Append('[').AppendJoin(", ", values.Select(TomlValue)).Append(']');
            }
            else
            {
                toml.Append(ConfigurationKeys.All[name] == ConfigurationKeys.Kind.Flag ? values[0] : TomlValue(values[0]));
            }

            toml.Append('\n');
        }

        return toml.ToString();
    }

    private static string TomlValue(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? value
            : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static bool? Switch(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => null,
    };

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    [GeneratedRegex(@"^(?<name>[^\s=]+)(\s*=\s*|\s+)?(?<value>.+)?$")]
    private static partial Regex OptionLine();
}
