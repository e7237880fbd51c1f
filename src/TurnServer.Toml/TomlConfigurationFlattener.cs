using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace TurnServer.Toml;

/// <summary>Turns a document into configuration key/value pairs, the way the JSON provider lays out objects and arrays.</summary>
internal static class TomlConfigurationFlattener
{
    public static Dictionary<string, string?> Flatten(TomlTable root)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in root)
        {
            Add(data, key, value);
        }

        return data;
    }

    private static void Add(Dictionary<string, string?> data, string path, TomlValue value)
    {
        switch (value)
        {
            case TomlTable table when table.Count > 0:
                foreach (var (key, child) in table)
                {
                    Add(data, ConfigurationPath.Combine(path, key), child);
                }

                break;
            case TomlArray array when array.Count > 0:
                for (var i = 0; i < array.Count; i++)
                {
                    Add(data, ConfigurationPath.Combine(path, i.ToString(CultureInfo.InvariantCulture)), array[i]);
                }

                break;
            default:
                // An empty table or array still shows as a section with no value, as with JSON's {} and [].
                var text = value is TomlTable or TomlArray ? null : value.ToString();
                if (!data.TryAdd(path, text))
                {
                    throw new FormatException($"Two TOML keys map to the configuration key '{path}' (a key containing ':' can collide with a table path).");
                }

                break;
        }
    }
}
