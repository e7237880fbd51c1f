using System.Diagnostics.CodeAnalysis;

namespace TurnServer.Toml;

/// <summary>
/// Builds the document's tables and enforces TOML's rules on which tables may be defined or extended,
/// and from where. What a table allows depends on how it came to exist:
/// <list type="bullet">
/// <item>created only as a parent in a <c>[a.b.c]</c> header: may later be defined by a header of its own, once, or be extended by dotted keys, which then count as its creators;</item>
/// <item>defined by a header (or as an element of an array of tables): never again, and never from a dotted key elsewhere;</item>
/// <item>created by a dotted key: extended by more dotted keys only in the section or inline table that created it;</item>
/// <item>written inline (<c>{...}</c>), like an inline array: complete as written. These are the tables not tracked here.</item>
/// </list>
/// </summary>
internal sealed class DocumentBuilder
{
    private readonly TextCursor _cursor;
    private readonly StringComparer _keyComparer;
    private readonly Dictionary<TomlTable, TableState> _tableStates = [];
    private readonly HashSet<TomlArray> _arraysOfTables = [];
    private TomlTable _currentTable;
    private int _currentScope;
    private int _lastScope;

    public DocumentBuilder(TextCursor cursor, TomlParseOptions options)
    {
        _cursor = cursor;
        _keyComparer = options.CaseInsensitiveKeys ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        Root = NewTable();
        _tableStates[Root] = new TableState(TableOrigin.Header, _currentScope);
        _currentTable = Root;
    }

    private enum TableOrigin
    {
        Implicit,
        Header,
        Dotted,
    }

    public TomlTable Root { get; }

    public TomlTable NewTable() => new(_keyComparer);

    /// <summary>A new scope for dotted keys: each section and each inline table has its own.</summary>
    public int NewScope() => ++_lastScope;

    /// <summary><c>[a.b]</c>: defines the table and makes it the target of the key/value pairs that follow.</summary>
    public void DefineTable(IReadOnlyList<KeyPart> key)
    {
        var header = $"[{Path(key, key.Count)}]";
        var parent = OpenParents(key, header);
        var name = key[^1];
        _currentScope = NewScope();
        if (!TryGet(parent, name, out var existing))
        {
            _currentTable = AddTable(parent, name, TableOrigin.Header, _currentScope);
            return;
        }

        if (existing is TomlTable table && _tableStates.TryGetValue(table, out var state) && state.Origin == TableOrigin.Implicit)
        {
            _tableStates[table] = new TableState(TableOrigin.Header, _currentScope);
            _currentTable = table;
            return;
        }

        throw ErrorAt(name, $"invalid header {header}: '{Path(key, key.Count)}' is already {Describe(existing)}");
    }

    /// <summary><c>[[a.b]]</c>: appends a new table to the array of tables and makes it the target.</summary>
    public void AppendTableToArray(IReadOnlyList<KeyPart> key)
    {
        var header = $"[[{Path(key, key.Count)}]]";
        var parent = OpenParents(key, header);
        var name = key[^1];
        _currentScope = NewScope();
        TomlArray array;
        if (!TryGet(parent, name, out var existing))
        {
            array = new TomlArray();
            parent.Add(name.Name, array);
            _arraysOfTables.Add(array);
        }
        else if (existing is TomlArray found && _arraysOfTables.Contains(found))
        {
            array = found;
        }
        else
        {
            throw ErrorAt(name, $"invalid header {header}: '{Path(key, key.Count)}' is already {Describe(existing)}");
        }

        _currentTable = NewTable();
        _tableStates[_currentTable] = new TableState(TableOrigin.Header, _currentScope);
        array.Add(_currentTable);
    }

    /// <summary>A key/value line of the current section.</summary>
    public void AddKeyValue(IReadOnlyList<KeyPart> key, TomlValue value) => AddKeyValue(_currentTable, _currentScope, key, value);

    /// <summary>Sets a possibly dotted key of <paramref name="target"/>, creating the tables its dots name.</summary>
    public void AddKeyValue(TomlTable target, int scope, IReadOnlyList<KeyPart> key, TomlValue value)
    {
        var table = target;
        for (var i = 0; i < key.Count - 1; i++)
        {
            if (!TryGet(table, key[i], out var existing))
            {
                table = AddTable(table, key[i], TableOrigin.Dotted, scope);
                continue;
            }

            if (existing is not TomlTable child
                || !_tableStates.TryGetValue(child, out var state)
                || state.Origin == TableOrigin.Header
                || (state.Origin == TableOrigin.Dotted && state.Scope != scope))
            {
                throw ErrorAt(key[i], $"cannot set '{Path(key, key.Count)}': '{Path(key, i + 1)}' is {Describe(existing)}, which a dotted key here cannot extend");
            }

            _tableStates[child] = new TableState(TableOrigin.Dotted, scope);
            table = child;
        }

        var name = key[^1];
        if (TryGet(table, name, out var previous))
        {
            throw ErrorAt(name, $"key '{Path(key, key.Count)}' is defined twice: it already holds {Describe(previous)}");
        }

        table.Add(name.Name, value);
    }

    /// <summary>Walks a header's key to the table that will hold its last part, creating missing parents.</summary>
    private TomlTable OpenParents(IReadOnlyList<KeyPart> key, string header)
    {
        var table = Root;
        for (var i = 0; i < key.Count - 1; i++)
        {
            if (!TryGet(table, key[i], out var existing))
            {
                table = AddTable(table, key[i], TableOrigin.Implicit, _currentScope);
                continue;
            }

            table = existing switch
            {
                TomlTable child when _tableStates.ContainsKey(child) => child,
                TomlArray array when _arraysOfTables.Contains(array) => (TomlTable)array[^1],
                _ => throw ErrorAt(key[i], $"invalid header {header}: '{Path(key, i + 1)}' is {Describe(existing)}"),
            };
        }

        return table;
    }

    private TomlTable AddTable(TomlTable parent, KeyPart name, TableOrigin origin, int scope)
    {
        var table = NewTable();
        parent.Add(name.Name, table);
        _tableStates[table] = new TableState(origin, scope);
        return table;
    }

    /// <summary>Looks a key up; with case-insensitive keys, finding it spelled differently is an error.</summary>
    private bool TryGet(TomlTable table, KeyPart name, [NotNullWhen(true)] out TomlValue? value)
    {
        if (!table.TryGetEntry(name.Name, out var entry))
        {
            value = null;
            return false;
        }

        if (!string.Equals(entry.Key, name.Name, StringComparison.Ordinal))
        {
            throw ErrorAt(name, $"key '{name.Name}' differs only in letter case from '{entry.Key}', and keys are case-insensitive here");
        }

        value = entry.Value;
        return true;
    }

    private string Describe(TomlValue value) => value switch
    {
        TomlTable table when !_tableStates.ContainsKey(table) => "an inline table",
        TomlTable table when _tableStates[table].Origin == TableOrigin.Dotted => "a table defined by dotted keys",
        TomlTable table when _tableStates[table].Origin == TableOrigin.Header => "a table defined by a header",
        TomlTable => "a table",
        TomlArray array when _arraysOfTables.Contains(array) => "an array of tables",
        TomlArray => "an inline array",
        TomlString => "a string",
        TomlInteger => "an integer",
        TomlFloat => "a float",
        TomlBoolean => "a boolean",
        TomlOffsetDateTime => "an offset date-time",
        TomlLocalDateTime => "a local date-time",
        TomlLocalDate => "a local date",
        _ => "a local time",
    };

    private TomlException ErrorAt(KeyPart part, string description) => _cursor.ErrorAt(part.Position, description);

    private static string Path(IReadOnlyList<KeyPart> key, int count) =>
        string.Join('.', key.Take(count).Select(part => IsBareKey(part.Name) ? part.Name : $"\"{part.Name}\""));

    private static bool IsBareKey(string name) => name.Length > 0 && name.All(TomlParser.IsBareKeyCharacter);

    private readonly record struct TableState(TableOrigin Origin, int Scope);
}
