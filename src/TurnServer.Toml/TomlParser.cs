namespace TurnServer.Toml;

/// <summary>
/// The TOML 1.0 grammar: a document is lines of key/value pairs, table headers, comments and blank
/// lines. Syntax lives here; what a key may define lives in <see cref="DocumentBuilder"/>.
/// </summary>
internal sealed class TomlParser
{
    /// <summary>Arrays and inline tables nest by recursion; the limit turns a hostile document into an error, not a stack overflow.</summary>
    private const int MaxNestingDepth = 128;

    private readonly TextCursor _cursor;
    private readonly DocumentBuilder _builder;
    private int _nestingDepth;

    private TomlParser(string text, TomlParseOptions options)
    {
        _cursor = new TextCursor(text);
        _builder = new DocumentBuilder(_cursor, options);
    }

    public static TomlTable Parse(string text, TomlParseOptions options) => new TomlParser(text, options).ParseDocument();

    public static bool IsBareKeyCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private TomlTable ParseDocument()
    {
        _cursor.Match('\uFEFF');
        while (true)
        {
            _cursor.SkipWhitespace();
            switch (_cursor.Peek())
            {
                case TextCursor.EndOfText:
                    return _builder.Root;
                case '[':
                    ParseTableHeader();
                    break;
                case not ('#' or '\n' or '\r'):
                    var key = ParseKey();
                    _builder.AddKeyValue(key, ParseKeyValueTail());
                    break;
            }

            ExpectLineEnd();
        }
    }

    private void ParseTableHeader()
    {
        _cursor.Advance();
        var isArrayOfTables = _cursor.Match('[');
        var key = ParseKey();
        if (!_cursor.Match(']') || (isArrayOfTables && !_cursor.Match(']')))
        {
            throw _cursor.Error($"expected '{(isArrayOfTables ? "]]" : "]")}' to close the table header, found {_cursor.DescribeCurrent()}");
        }

        if (isArrayOfTables)
        {
            _builder.AppendTableToArray(key);
        }
        else
        {
            _builder.DefineTable(key);
        }
    }

    /// <summary>After a key: the '=' and the value.</summary>
    private TomlValue ParseKeyValueTail()
    {
        if (!_cursor.Match('='))
        {
            throw _cursor.Error($"expected '=' after key, found {_cursor.DescribeCurrent()}");
        }

        _cursor.SkipWhitespace();
        return ParseValue();
    }

    /// <summary>A key, dotted or not, with the whitespace around it and around its dots.</summary>
    private List<KeyPart> ParseKey()
    {
        var parts = new List<KeyPart>();
        do
        {
            _cursor.SkipWhitespace();
            parts.Add(ParseSimpleKey());
            _cursor.SkipWhitespace();
        }
        while (_cursor.Match('.'));

        return parts;
    }

    private KeyPart ParseSimpleKey()
    {
        var start = _cursor.Position;
        if (_cursor.LookingAt(StringLiterals.MultiLineBasicDelimiter) || _cursor.LookingAt(StringLiterals.MultiLineLiteralDelimiter))
        {
            throw _cursor.Error("a multi-line string cannot be a key");
        }

        switch (_cursor.Peek())
        {
            case '"':
                return new KeyPart(StringLiterals.ReadBasic(_cursor), start);
            case '\'':
                return new KeyPart(StringLiterals.ReadLiteral(_cursor), start);
        }

        while (_cursor.Peek() is var c and not TextCursor.EndOfText && IsBareKeyCharacter((char)c))
        {
            _cursor.Advance();
        }

        return _cursor.Position > start
            ? new KeyPart(_cursor.Slice(start), start)
            : throw _cursor.Error($"expected a key, found {_cursor.DescribeCurrent()}");
    }

    private TomlValue ParseValue()
    {
        switch (_cursor.Peek())
        {
            case '"':
                return new TomlString(_cursor.LookingAt(StringLiterals.MultiLineBasicDelimiter)
                    ? StringLiterals.ReadMultiLineBasic(_cursor)
                    : StringLiterals.ReadBasic(_cursor));
            case '\'':
                return new TomlString(_cursor.LookingAt(StringLiterals.MultiLineLiteralDelimiter)
                    ? StringLiterals.ReadMultiLineLiteral(_cursor)
                    : StringLiterals.ReadLiteral(_cursor));
            case '[':
                return ParseNested(ParseArray);
            case '{':
                return ParseNested(ParseInlineTable);
            default:
                return ParseBareValue();
        }
    }

    private TomlValue ParseNested(Func<TomlValue> parse)
    {
        if (++_nestingDepth > MaxNestingDepth)
        {
            throw _cursor.Error($"arrays and inline tables nest more than {MaxNestingDepth} deep");
        }

        var value = parse();
        _nestingDepth--;
        return value;
    }

    private TomlArray ParseArray()
    {
        _cursor.Advance();
        var array = new TomlArray();
        while (true)
        {
            SkipWhitespaceCommentsAndNewlines();
            if (_cursor.Match(']'))
            {
                return array;
            }

            array.Add(ParseValue());
            SkipWhitespaceCommentsAndNewlines();
            if (_cursor.Match(']'))
            {
                return array;
            }

            if (!_cursor.Match(','))
            {
                throw _cursor.Error($"expected ',' or ']' in array, found {_cursor.DescribeCurrent()}");
            }
        }
    }

    /// <summary>TOML 1.0 inline tables stay on one line and take no trailing comma.</summary>
    private TomlTable ParseInlineTable()
    {
        _cursor.Advance();
        var table = _builder.NewTable();
        var scope = _builder.NewScope();
        SkipInlineTableWhitespace();
        if (_cursor.Match('}'))
        {
            return table;
        }

        while (true)
        {
            var key = ParseKey();
            _builder.AddKeyValue(table, scope, key, ParseKeyValueTail());
            SkipInlineTableWhitespace();
            if (_cursor.Match('}'))
            {
                return table;
            }

            if (!_cursor.Match(','))
            {
                throw _cursor.Error($"expected ',' or '}}' in inline table, found {_cursor.DescribeCurrent()}");
            }

            SkipInlineTableWhitespace();
            if (_cursor.Peek() == '}')
            {
                throw _cursor.Error("an inline table cannot end with a comma");
            }
        }
    }

    /// <summary>
    /// A bare value runs to the next delimiter. A date followed by a space and a time is one value,
    /// the RFC 3339 form with a space for the 'T'.
    /// </summary>
    private TomlValue ParseBareValue()
    {
        var start = _cursor.Position;
        SkipToValueEnd();
        if (_cursor.Position == start)
        {
            throw _cursor.Error($"expected a value, found {_cursor.DescribeCurrent()}");
        }

        if (_cursor.Position - start == "yyyy-mm-dd".Length && _cursor.Slice(start)[4] == '-'
            && _cursor.Peek() == ' ' && char.IsAsciiDigit((char)_cursor.Peek(1)))
        {
            _cursor.Advance();
            SkipToValueEnd();
        }

        return BareValues.Parse(_cursor.Slice(start), _cursor, start);
    }

    private void SkipToValueEnd()
    {
        while (_cursor.Peek() is not (TextCursor.EndOfText or ' ' or '\t' or '\n' or '\r' or ',' or ']' or '}' or '#'))
        {
            _cursor.Advance();
        }
    }

    private void SkipInlineTableWhitespace()
    {
        _cursor.SkipWhitespace();
        if (_cursor.Peek() is '\n' or '\r' or '#')
        {
            throw _cursor.Error("an inline table must be on one line (TOML 1.0)");
        }
    }

    private void SkipWhitespaceCommentsAndNewlines()
    {
        do
        {
            _cursor.SkipWhitespace();
            SkipComment();
        }
        while (_cursor.MatchNewline());
    }

    private void SkipComment()
    {
        if (!_cursor.Match('#'))
        {
            return;
        }

        while (!_cursor.AtEnd && !_cursor.AtNewline)
        {
            _cursor.AdvanceOverTextCharacter("a comment");
        }
    }

    private void ExpectLineEnd()
    {
        _cursor.SkipWhitespace();
        SkipComment();
        if (!_cursor.AtEnd && !_cursor.MatchNewline())
        {
            throw _cursor.Error($"expected the end of the line, found {_cursor.DescribeCurrent()}");
        }
    }
}
