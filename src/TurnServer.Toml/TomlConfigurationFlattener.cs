using System.Globalization;
using Microsoft.Extensions.Configuration;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;
using Tomlyn.Syntax;
using Tomlyn.Text;

namespace TurnServer.Toml;

/// <summary>
/// Turns a document into configuration key/value pairs, the way the JSON provider lays out objects and arrays.
/// Configuration keys ignore case, so two keys of one table that differ only in case are an error (at the
/// second one) instead of one silently overwriting the other.
/// </summary>
internal sealed class TomlConfigurationFlattener(TomlMetadataStore positions)
{
    private readonly Dictionary<string, string?> _data = new(StringComparer.OrdinalIgnoreCase);

    public static Dictionary<string, string?> Flatten(TomlTable root, TomlMetadataStore positions)
    {
        var flattener = new TomlConfigurationFlattener(positions);
        flattener.AddTable(null, root);
        return flattener._data;
    }

    private void AddTable(string? path, TomlTable table)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in table)
        {
            if (!seen.TryAdd(key, key))
            {
                throw CaseCollision(table, key, seen[key]);
            }

            Add(path is null ? key : ConfigurationPath.Combine(path, key), value);
        }
    }

    private void Add(string path, object? value)
    {
        switch (value)
        {
            case TomlTable { Count: > 0 } table:
                AddTable(path, table);
                break;
            case TomlArray { Count: > 0 } array:
                for (var i = 0; i < array.Count; i++)
                {
                    Add(ConfigurationPath.Combine(path, Index(i)), array[i]);
                }

                break;
            case TomlTableArray { Count: > 0 } tables:
                for (var i = 0; i < tables.Count; i++)
                {
                    Add(ConfigurationPath.Combine(path, Index(i)), tables[i]);
                }

                break;
            default:
                // An empty table or array still shows as a section with no value, as with JSON's {} and [].
                if (!_data.TryAdd(path, Text(value)))
                {
                    throw new FormatException($"Two TOML keys map to the configuration key '{path}' (a key containing ':' can collide with a table path).");
                }

                break;
        }
    }

    private static string? Text(object? value) => value switch
    {
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        TomlTable or TomlArray or TomlTableArray or null => null,
        _ => value.ToString(),
    };

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

    private TomlException CaseCollision(TomlTable table, string key, string earlier)
    {
        var message = $"'{key}' differs only in letter case from '{earlier}', and configuration keys ignore case.";
        return positions.TryGetProperties(table, out var properties) && properties!.TryGetProperty(key, out var property) && property!.Span is { } span
            ? new TomlException(ToTextSpan(span), message)
            : new TomlException(message);
    }

    private static TomlSourceSpan ToTextSpan(SourceSpan span) =>
        new(span.FileName, Position(span.Start), Position(span.End));

    private static TomlTextPosition Position(TextPosition position) => new(position.Offset, position.Line, position.Column);
}
