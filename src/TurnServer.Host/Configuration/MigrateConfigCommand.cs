namespace TurnServer.Host.Configuration;

/// <summary>
/// <c>turnserver migrate-config /etc/turnserver.conf [-o turnserver.toml]</c>: writes the coturn
/// configuration as turnserver.toml (to standard output unless -o names a file) and says on standard
/// error what it could not carry over.
/// </summary>
internal static class MigrateConfigCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (args.Count is not (1 or 3) || (args.Count == 3 && args[1] is not ("-o" or "--output")))
        {
            errors.WriteLine("usage: turnserver migrate-config /etc/turnserver.conf [-o turnserver.toml]");
            return 2;
        }

        var source = args[0];
        if (!File.Exists(source))
        {
            errors.WriteLine($"turnserver: {source} not found");
            return 2;
        }

        var config = CoturnConfig.Parse(File.ReadAllText(source));
        var toml = config.ToToml(source);
        if (args.Count == 3)
        {
            File.WriteAllText(args[2], toml);
        }
        else
        {
            output.Write(toml);
        }

        errors.WriteLine($"migrate-config: {config.Converted.Count} options converted, {config.AlwaysSoHere.Count} not needed, {config.Unsupported.Count} not supported");
        foreach (var (line, option, why) in config.Unsupported)
        {
            errors.WriteLine($"  line {line}: {option}: {why}");
        }

        return 0;
    }
}
