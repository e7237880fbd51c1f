using Microsoft.Extensions.Configuration;

namespace TurnServer.Toml;

/// <summary>
/// Configuration read from a TOML document, in a file (<see cref="Path"/>) or a stream (<see cref="Stream"/>):
/// set exactly one. Added by <see cref="TomlConfigurationExtensions.AddTomlFile(IConfigurationBuilder, string, bool)"/>
/// and <see cref="TomlConfigurationExtensions.AddTomlStream"/>.
/// </summary>
public sealed class TomlConfigurationSource : IConfigurationSource
{
    /// <summary>The file to read. A relative path is taken from the application's base directory, as AddJsonFile does.</summary>
    public string? Path { get; set; }

    /// <summary>Whether a missing file yields no settings rather than a <see cref="FileNotFoundException"/>.</summary>
    public bool Optional { get; set; }

    /// <summary>A stream holding the document as UTF-8. It is read once, on the first load, and not disposed.</summary>
    public Stream? Stream { get; set; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new TomlConfigurationProvider(this);
}
