using Microsoft.Extensions.Configuration;

namespace TurnServer.Toml;

/// <summary>
/// Loads a TOML document as configuration: tables become sections (<c>server:realm</c>), array elements
/// become numbered children (<c>allowed-peer-ip:0</c>, <c>user:1:name</c>), scalars invariant-culture text.
/// Keys are case-insensitive in configuration, so two keys of a table that differ only in case are a
/// <see cref="TomlException"/>.
/// </summary>
public sealed class TomlConfigurationProvider : ConfigurationProvider
{
    private static readonly TomlParseOptions ConfigurationKeys = new() { CaseInsensitiveKeys = true };

    private readonly TomlConfigurationSource _source;
    private byte[]? _streamContent;

    public TomlConfigurationProvider(TomlConfigurationSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if ((source.Path is null) == (source.Stream is null))
        {
            throw new ArgumentException("Set either the Path or the Stream of the TOML configuration source.", nameof(source));
        }

        _source = source;
    }

    public override void Load()
    {
        if (_source.Stream is { } stream)
        {
            // A stream cannot be read twice, so a reload parses the bytes the first load read.
            _streamContent ??= ReadToEnd(stream);
            Data = TomlConfigurationFlattener.Flatten(TomlDocument.Parse(_streamContent, ConfigurationKeys));
            return;
        }

        var path = Path.GetFullPath(_source.Path!, AppContext.BaseDirectory);
        if (!File.Exists(path))
        {
            if (!_source.Optional)
            {
                throw new FileNotFoundException($"The configuration file '{path}' was not found and is not optional.", path);
            }

            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            return;
        }

        Data = TomlConfigurationFlattener.Flatten(ParseFile(path));
    }

    private static TomlTable ParseFile(string path)
    {
        try
        {
            return TomlDocument.Parse(File.ReadAllBytes(path), ConfigurationKeys);
        }
        catch (TomlException e)
        {
            throw new TomlException(e.Description, e.Line, e.Column, path, e);
        }
    }

    private static byte[] ReadToEnd(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
