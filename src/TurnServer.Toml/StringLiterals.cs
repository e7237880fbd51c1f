using System.Globalization;
using System.Text;

namespace TurnServer.Toml;

/// <summary>
/// The four kinds of TOML string: basic ("..." with escapes), literal ('...' verbatim), and their
/// multi-line forms ("""...""" and '''...'''). Each reader starts on the opening quote and stops after the closing one.
/// </summary>
internal static class StringLiterals
{
    public const string MultiLineBasicDelimiter = "\"\"\"";
    public const string MultiLineLiteralDelimiter = "'''";

    public static string ReadBasic(TextCursor cursor)
    {
        cursor.Advance();
        var value = new StringBuilder();
        while (!cursor.Match('"'))
        {
            if (cursor.AtEnd || cursor.AtNewline)
            {
                throw cursor.Error("unterminated string: a basic string must close on the line it opens");
            }

            if (cursor.Peek() == '\\')
            {
                ReadEscape(cursor, value);
            }
            else
            {
                AppendTextCharacter(cursor, value, "a basic string (escape it)");
            }
        }

        return value.ToString();
    }

    public static string ReadLiteral(TextCursor cursor)
    {
        cursor.Advance();
        var start = cursor.Position;
        while (cursor.Peek() != '\'')
        {
            if (cursor.AtEnd || cursor.AtNewline)
            {
                throw cursor.Error("unterminated string: a literal string must close on the line it opens");
            }

            cursor.AdvanceOverTextCharacter("a literal string");
        }

        var value = cursor.Slice(start);
        cursor.Advance();
        return value;
    }

    public static string ReadMultiLineBasic(TextCursor cursor)
    {
        var start = cursor.Position;
        cursor.Advance(MultiLineBasicDelimiter.Length);
        cursor.MatchNewline();
        var value = new StringBuilder();
        while (!TryClose(cursor, '"', value))
        {
            if (cursor.AtEnd)
            {
                throw cursor.ErrorAt(start, "unterminated multi-line string");
            }

            if (cursor.MatchNewline())
            {
                value.Append('\n');
            }
            else if (cursor.Peek() != '\\')
            {
                AppendTextCharacter(cursor, value, "a multi-line basic string (escape it)");
            }
            else if (!TrySkipLineEndingBackslash(cursor))
            {
                ReadEscape(cursor, value);
            }
        }

        return value.ToString();
    }

    public static string ReadMultiLineLiteral(TextCursor cursor)
    {
        var start = cursor.Position;
        cursor.Advance(MultiLineLiteralDelimiter.Length);
        cursor.MatchNewline();
        var value = new StringBuilder();
        while (!TryClose(cursor, '\'', value))
        {
            if (cursor.AtEnd)
            {
                throw cursor.ErrorAt(start, "unterminated multi-line literal string");
            }

            if (cursor.MatchNewline())
            {
                value.Append('\n');
            }
            else
            {
                AppendTextCharacter(cursor, value, "a multi-line literal string");
            }
        }

        return value.ToString();
    }

    /// <summary>
    /// Three quotes close a multi-line string, but up to two more quotes right before them are content:
    /// of a run of four or five, the last three close it.
    /// </summary>
    private static bool TryClose(TextCursor cursor, char quote, StringBuilder value)
    {
        if (cursor.Peek() != quote || cursor.Peek(1) != quote || cursor.Peek(2) != quote)
        {
            return false;
        }

        cursor.Advance(3);
        for (var extra = 0; extra < 2 && cursor.Match(quote); extra++)
        {
            value.Append(quote);
        }

        return true;
    }

    /// <summary>
    /// A backslash that ends a line (trailing spaces allowed) joins the lines: it and all the
    /// whitespace and newlines after it are dropped.
    /// </summary>
    private static bool TrySkipLineEndingBackslash(TextCursor cursor)
    {
        var backslash = cursor.Position;
        cursor.Advance();
        cursor.SkipWhitespace();
        if (!cursor.MatchNewline())
        {
            cursor.Position = backslash;
            return false;
        }

        do
        {
            cursor.SkipWhitespace();
        }
        while (cursor.MatchNewline());

        return true;
    }

    private static void ReadEscape(TextCursor cursor, StringBuilder value)
    {
        var start = cursor.Position;
        cursor.Advance();
        var escaped = cursor.Peek();
        switch (escaped)
        {
            case 'b': value.Append('\b'); break;
            case 't': value.Append('\t'); break;
            case 'n': value.Append('\n'); break;
            case 'f': value.Append('\f'); break;
            case 'r': value.Append('\r'); break;
            case '"': value.Append('"'); break;
            case '\\': value.Append('\\'); break;
            case 'u':
                cursor.Advance();
                AppendUnicodeEscape(cursor, start, 4, value);
                return;
            case 'U':
                cursor.Advance();
                AppendUnicodeEscape(cursor, start, 8, value);
                return;
            default:
                throw cursor.ErrorAt(start, $"invalid escape sequence: backslash followed by {cursor.DescribeCurrent()}");
        }

        cursor.Advance();
    }

    private static void AppendUnicodeEscape(TextCursor cursor, int start, int digitCount, StringBuilder value)
    {
        var digitsStart = cursor.Position;
        for (var i = 0; i < digitCount; i++)
        {
            if (!char.IsAsciiHexDigit((char)cursor.Peek()))
            {
                throw cursor.ErrorAt(start, $"a \\{(digitCount == 4 ? 'u' : 'U')} escape needs exactly {digitCount} hexadecimal digits");
            }

            cursor.Advance();
        }

        var scalar = int.Parse(cursor.Slice(digitsStart), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        if (!Rune.IsValid(scalar))
        {
            throw cursor.ErrorAt(start, $"escape \\{cursor.Slice(digitsStart - 1)} is not a Unicode scalar value");
        }

        value.Append(new Rune(scalar).ToString());
    }

    private static void AppendTextCharacter(TextCursor cursor, StringBuilder value, string where)
    {
        var start = cursor.Position;
        cursor.AdvanceOverTextCharacter(where);
        value.Append(cursor.Slice(start));
    }
}
