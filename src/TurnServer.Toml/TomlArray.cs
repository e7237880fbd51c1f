using System.Collections;

namespace TurnServer.Toml;

/// <summary>A TOML array, written inline (<c>[1, 2]</c>) or built from <c>[[header]]</c> tables.</summary>
public sealed class TomlArray : TomlValue, IReadOnlyList<TomlValue>
{
    private readonly List<TomlValue> _items = [];

    internal TomlArray()
    {
    }

    public override TomlValueKind Kind => TomlValueKind.Array;

    public int Count => _items.Count;

    public TomlValue this[int index] => _items[index];

    public IEnumerator<TomlValue> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Add(TomlValue item) => _items.Add(item);
}
