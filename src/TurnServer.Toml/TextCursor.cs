using System.Buffers;
using System.Globalization;
using System.Text;

namespace TurnServer.Toml;

/// <summary>
/// A position in the document text, with the small look-ahead the grammar needs, and the one place that
/// turns a position into the line and column an error reports.
/// </summary>
internal sealed class TextCursor(string text)
{
    public const int EndOfText = -1;

    public int Position { get; set; }

    public bool AtEnd => Position >= text.Length;

    /// <summary>True on a line ending: LF, or CR immediately followed by LF.</summary>
    public bool AtNewline => Peek() == '\n' || (Peek() == '\r' && Peek(1) == '\n');

    /// <summary>The character <paramref name="ahead"/> places on, or <see cref="EndOfText"/>.</summary>
    public int Peek(int ahead = 0)
    {
        var index = Position + ahead;
        return index < text.Length ? text[index] : EndOfText;
    }

    public bool LookingAt(string expected) => text.AsSpan(Position).StartsWith(expected, StringComparison.Ordinal);

    public void Advance(int count = 1) => Position += count;

    public bool Match(char expected)
    {
        if (Peek() != expected)
        {
            return false;
        }

        Position++;
        return true;
    }

    /// <summary>Steps over LF or CRLF. A carriage return on its own is not a line ending in TOML, and nowhere valid.</summary>
    public bool MatchNewline()
    {
        switch (Peek())
        {
            case '\n':
                Position++;
                return true;
            case '\r' when Peek(1) == '\n':
                Position += 2;
                return true;
            case '\r':
                throw Error("a carriage return must be followed by a line feed");
            default:
                return false;
        }
    }

    public void SkipWhitespace()
    {
        while (Peek() is ' ' or '\t')
        {
            Position++;
        }
    }

    /// <summary>
    /// Steps over one character of free text (a comment or a string's content): any Unicode scalar
    /// value except the control characters TOML forbids there. Tab is allowed.
    /// </summary>
    public void AdvanceOverTextCharacter(string where)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(Position), out var rune, out var length) != OperationStatus.Done
            || rune.Value is (< ' ' and not '\t') or 0x7F)
        {
            throw Error($"{DescribeCurrent()} is not allowed in {where}");
        }

        Position += length;
    }

    public string Slice(int start) => text[start..Position];

    /// <summary>Names the character at the cursor for an error message, with its code point when it may not print.</summary>
    public string DescribeCurrent()
    {
        if (AtEnd)
        {
            return "end of file";
        }

        if (AtNewline)
        {
            return "end of line";
        }

        if (Rune.DecodeFromUtf16(text.AsSpan(Position), out var rune, out _) != OperationStatus.Done)
        {
            return $"unpaired surrogate {CodePoint(text[Position])}";
        }

        return rune.Value switch
        {
            < ' ' or 0x7F => $"control character {CodePoint(rune.Value)}",
            < 0x7F => $"'{rune}'",
            _ => $"'{rune}' ({CodePoint(rune.Value)})",
        };
    }

    public TomlException Error(string description) => ErrorAt(Position, description);

    public TomlException ErrorAt(int position, string description)
    {
        var before = text.AsSpan(0, position);
        var lineStart = before.LastIndexOf('\n') + 1;
        var line = 1 + before.Count('\n');
        var column = 1;
        foreach (var _ in before[lineStart..].EnumerateRunes())
        {
            column++;
        }

        return new TomlException(description, line, column);
    }

    private static string CodePoint(int value) => "U+" + value.ToString("X4", CultureInfo.InvariantCulture);
}
