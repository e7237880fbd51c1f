using System.Globalization;

namespace TurnServer.Host.Configuration;

/// <summary>
/// Reads coturn-style command lines: <c>--name=value</c>, <c>--name value</c>, bare switches, the
/// one-letter forms, and repeated list options (<c>--user a:1 --user b:2</c>), into configuration
/// keys. List options given on the command line replace the file's list rather than merging into it.
/// </summary>
public sealed class CommandLine
{
    private CommandLine(string? configFile, Dictionary<string, string?> settings, string? command, IReadOnlyList<string> commandArguments)
    {
        ConfigFile = configFile;
        Settings = settings;
        Command = command;
        CommandArguments = commandArguments;
    }

    /// <summary>The file given with -c/--config, if any.</summary>
    public string? ConfigFile { get; }

    /// <summary>Configuration keys and values, lists as key:0, key:1...</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>A subcommand such as "help" or "version", when the first argument names one.</summary>
    public string? Command { get; }

    public IReadOnlyList<string> CommandArguments { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 0 && !args[0].StartsWith('-'))
        {
            return new CommandLine(null, [], args[0], [.. args.Skip(1)]);
        }

        string? configFile = null;
        string? command = null;
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var lists = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = SplitOption(args[i]);
            if (name is "help" or "h")
            {
                command = "help";
                continue;
            }

            if (name is "version")
            {
                command = "version";
                continue;
            }

            if (name is "c" or "config")
            {
                configFile = inlineValue ?? TakeValue(args, ref i, "config");
                continue;
            }

            if (!ConfigurationKeys.All.TryGetValue(name, out var kind))
            {
                throw new ConfigurationException($"unknown option '{args[i]}' (turnserver --help lists the options)");
            }

            switch (kind)
            {
                case ConfigurationKeys.Kind.Flag:
                    settings[name] = inlineValue is null ? "true" : ParseBoolean(name, inlineValue);
                    break;
                case ConfigurationKeys.Kind.Value:
                    settings[name] = inlineValue ?? TakeValue(args, ref i, name);
                    break;
                default:
                    if (!lists.TryGetValue(name, out var list))
                    {
                        lists[name] = list = [];
                    }

                    list.Add(inlineValue ?? TakeValue(args, ref i, name));
                    break;
            }
        }

        foreach (var (name, values) in lists)
        {
            for (var index = 0; index < values.Count; index++)
            {
                settings[$"{name}:{index.ToString(CultureInfo.InvariantCulture)}"] = values[index];
            }
        }

        return new CommandLine(configFile, settings, command, []);
    }

    /// <summary>The list keys the command line sets, whose values from the file must be dropped.</summary>
    public IEnumerable<string> ReplacedLists =>
        Settings.Keys.Where(k => k.Contains(':', StringComparison.Ordinal)).Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).Distinct(StringComparer.OrdinalIgnoreCase);

    private static (string Name, string? Value) SplitOption(string arg)
    {
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (arg[2..], null) : (arg[2..equals], arg[(equals + 1)..]);
        }

        if (arg.Length >= 2 && arg[0] == '-')
        {
            if (arg[1] is 'c' or 'h')
            {
                return (arg[1].ToString(), arg.Length > 2 ? arg[2..] : null);
            }

            if (ConfigurationKeys.Short.TryGetValue(arg[1], out var name))
            {
                return (name, arg.Length > 2 ? arg[2..] : null);
            }
        }

        throw new ConfigurationException($"unknown option '{arg}' (turnserver --help lists the options)");
    }

    private static string TakeValue(IReadOnlyList<string> args, ref int i, string name)
    {
        if (i + 1 >= args.Count || (args[i + 1].StartsWith('-') && args[i + 1].Length > 1 && !char.IsAsciiDigit(args[i + 1][1])))
        {
            throw new ConfigurationException($"option '{name}' needs a value");
        }

        return args[++i];
    }

    private static string ParseBoolean(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => "true",
        "false" or "no" or "off" or "0" => "false",
        _ => throw new ConfigurationException($"option '{name}' takes true or false, not '{value}'"),
    };
}
