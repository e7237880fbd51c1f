using Microsoft.Extensions.Configuration;
using Tomlyn.Serialization;

namespace TurnServer.Toml;

/// <summary>
/// Loads a TOML document as configuration: tables become sections (<c>server:realm</c>), array elements
/// become numbered children (<c>allowed-peer-ip:0</c>, <c>user:1:name</c>), scalars invariant-culture text.
/// Invalid TOML, and keys of one table that differ only in case, are a <see cref="Tomlyn.TomlException"/>
/// naming the file, line and column.
/// </summary>
public sealed class TomlConfigurationProvider : ConfigurationProvider
{
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
            Data = Read(_streamContent, sourceName: null);
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

        Data = Read(File.ReadAllBytes(path), path);
    }

    private static Dictionary<string, string?> Read(byte[] utf8, string? sourceName)
    {
        var positions = new TomlMetadataStore();
        return TomlConfigurationFlattener.Flatten(TomlDocumentReader.Read(utf8, sourceName, positions), positions);
    }

    private static byte[] ReadToEnd(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
