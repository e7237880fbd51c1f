using Microsoft.Extensions.Configuration;
using TurnServer.Toml;

namespace TurnServer.Host.Configuration;

/// <summary>
/// Layers the configuration: the TOML file (the built-in turnserver.toml unless -c names one; a
/// file ending in .conf is read as coturn's turnserver.conf), then TURNSERVER_* environment
/// variables, then command-line flags.
/// </summary>
public static class ConfigurationLoader
{
    public static IConfiguration Load(CommandLine commandLine, System.Collections.IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var builder = new ConfigurationBuilder();
        if (commandLine.ConfigFile is { } file && file.EndsWith(".conf", StringComparison.OrdinalIgnoreCase))
        {
            // coturn's own format, mapped to the keys migrate-config would write.
            var coturn = CoturnConfig.Parse(File.ReadAllText(file));
            foreach (var (line, option, why) in coturn.Unsupported)
            {
                Console.Error.WriteLine($"turnserver: {file} line {line}: {option} ignored: {why}");
            }

            builder.AddInMemoryCollection(coturn.ToConfiguration());
        }
        else if (commandLine.ConfigFile is { } toml)
        {
            builder.AddTomlFile(Path.GetFullPath(toml), optional: false);
        }
        else
        {
            builder.AddTomlStream(DefaultToml());
        }

        builder.Add(new EnvironmentVariablesSource(environment));
        var layered = builder.Build();

        // A list given on the command line replaces the file's list instead of overwriting it entry by entry.
        var replaced = new HashSet<string>(commandLine.ReplacedLists, StringComparer.OrdinalIgnoreCase);
        var merged = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in layered.AsEnumerable())
        {
            if (value is not null && !replaced.Contains(key.Split(':')[0]))
            {
                merged[key] = value;
            }
        }

        foreach (var (key, value) in commandLine.Settings)
        {
            merged[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(merged).Build();
    }

    public static Stream DefaultToml() =>
        typeof(ConfigurationLoader).Assembly.GetManifestResourceStream("turnserver.toml")
        ?? throw new InvalidOperationException("The built-in turnserver.toml is missing from the build.");
}
