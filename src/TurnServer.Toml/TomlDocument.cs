using System.Buffers;
using System.Text.Unicode;

namespace TurnServer.Toml;

/// <summary>Reads TOML 1.0 documents into <see cref="TomlTable"/>s. Invalid input throws <see cref="TomlException"/>.</summary>
public static class TomlDocument
{
    public static TomlTable Parse(string text) => Parse(text, TomlParseOptions.Default);

    public static TomlTable Parse(string text, TomlParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        return TomlParser.Parse(text, options);
    }

    /// <summary>Parses a document as stored in a file: UTF-8, optionally after a byte order mark.</summary>
    public static TomlTable Parse(ReadOnlySpan<byte> utf8) => Parse(utf8, TomlParseOptions.Default);

    public static TomlTable Parse(ReadOnlySpan<byte> utf8, TomlParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TomlParser.Parse(DecodeStrictly(utf8), options);
    }

    /// <summary>
    /// A lenient decoder would turn malformed bytes into U+FFFD, which TOML accepts in strings and
    /// comments; the spec requires rejecting them, at the position of the first bad byte.
    /// </summary>
    private static string DecodeStrictly(ReadOnlySpan<byte> utf8)
    {
        var chars = new char[utf8.Length];
        var status = Utf8.ToUtf16(utf8, chars, out _, out var charsWritten, replaceInvalidSequences: false);
        var decoded = new string(chars, 0, charsWritten);
        if (status != OperationStatus.Done)
        {
            throw new TextCursor(decoded) { Position = decoded.Length }.Error("invalid UTF-8 byte sequence");
        }

        return decoded;
    }
}
