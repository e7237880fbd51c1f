using Microsoft.Extensions.Configuration;

namespace TurnServer.Toml;

public static class TomlConfigurationExtensions
{
    /// <summary>Adds a TOML file that must exist.</summary>
    public static IConfigurationBuilder AddTomlFile(this IConfigurationBuilder builder, string path) => builder.AddTomlFile(path, optional: false);

    /// <summary>Adds a TOML file; a relative path is taken from the application's base directory.</summary>
    public static IConfigurationBuilder AddTomlFile(this IConfigurationBuilder builder, string path, bool optional)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.Add(new TomlConfigurationSource { Path = path, Optional = optional });
    }

    /// <summary>Adds a TOML document read from a UTF-8 stream, which the caller keeps and disposes.</summary>
    public static IConfigurationBuilder AddTomlStream(this IConfigurationBuilder builder, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stream);
        return builder.Add(new TomlConfigurationSource { Stream = stream });
    }
}
