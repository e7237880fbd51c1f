using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace TurnServer.Toml;

/// <summary>
/// A TOML table: keys in the order the document first wrote them, each with its value. The root of a
/// document is a table too. Read-only to callers; only the parser adds entries.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Table is the TOML specification's name for it.")]
public sealed class TomlTable : TomlValue, IReadOnlyDictionary<string, TomlValue>
{
    private readonly Dictionary<string, int> _indexByKey;
    private readonly List<KeyValuePair<string, TomlValue>> _entries = [];

    internal TomlTable(StringComparer keyComparer) => _indexByKey = new Dictionary<string, int>(keyComparer);

    public override TomlValueKind Kind => TomlValueKind.Table;

    public int Count => _entries.Count;

    public IEnumerable<string> Keys => _entries.Select(entry => entry.Key);

    public IEnumerable<TomlValue> Values => _entries.Select(entry => entry.Value);

    public TomlValue this[string key] => _entries[_indexByKey[key]].Value;

    public bool ContainsKey(string key) => _indexByKey.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TomlValue value)
    {
        var found = TryGetEntry(key, out var entry);
        value = entry.Value;
        return found;
    }

    public IEnumerator<KeyValuePair<string, TomlValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Finds an entry together with the key as the document spelled it, which may differ in case from <paramref name="key"/> when keys are compared ignoring case.</summary>
    internal bool TryGetEntry(string key, out KeyValuePair<string, TomlValue> entry)
    {
        if (_indexByKey.TryGetValue(key, out var index))
        {
            entry = _entries[index];
            return true;
        }

        entry = default;
        return false;
    }

    internal void Add(string key, TomlValue value)
    {
        _indexByKey.Add(key, _entries.Count);
        _entries.Add(new KeyValuePair<string, TomlValue>(key, value));
    }
}
