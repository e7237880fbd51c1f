using System.Text;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Serialization;
using Tomlyn.Text;

namespace TurnServer.Toml;

/// <summary>
/// Reads a TOML 1.1 document with Tomlyn, rejecting everything the specification calls invalid. Errors are
/// <see cref="TomlException"/>s whose message starts with <c>source(line,column)</c>.
/// </summary>
public static class TomlDocumentReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses UTF-8 text (one leading byte order mark is allowed; Tomlyn skips it). Pass <paramref name="positions"/> to learn where each key was written.</summary>
    public static TomlTable Read(ReadOnlySpan<byte> utf8, string? sourceName = null, TomlMetadataStore? positions = null)
    {
        var text = Decode(utf8, sourceName);
        var options = new TomlSerializerOptions
        {
            SourceName = sourceName,
            DuplicateKeyHandling = TomlDuplicateKeyHandling.Error,
            MetadataStore = positions,
        };

        // The serializer alone lets a redefined key or table through (last one wins); the validating
        // syntax parse rejects those, as the specification says. Configuration files are small, so
        // parsing twice costs nothing that matters.
        try
        {
            SyntaxParser.ParseStrict(text, options, sourceName, validate: true);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Tomlyn 2.11.1 builds its "invalid escape" message by formatting the character it read,
            // and at the end of the text that character is its end-of-file sentinel, which is no code
            // point: a document ending inside a basic string's escape ("a = \"\\", found by AFL++)
            // throws this instead of a TomlException. The sentinel only appears at the end of the text.
            throw UnexpectedEndAt(text, sourceName);
        }

        return TomlSerializer.Deserialize<TomlTable>(text, new TomlModelContext(options).TomlTable) ?? new TomlTable();
    }

    private static string Decode(ReadOnlySpan<byte> utf8, string? sourceName)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw InvalidUtf8At(utf8, sourceName);
        }
    }

    private static TomlException UnexpectedEndAt(string text, string? sourceName)
    {
        var line = text.AsSpan().Count('\n');
        var column = text.Length - (text.LastIndexOf('\n') + 1);
        var position = new TomlTextPosition(text.Length, line, column);
        return new TomlException(new TomlSourceSpan(sourceName ?? string.Empty, position, position), "Unexpected end of the document inside a string escape sequence.");
    }

    private static TomlException InvalidUtf8At(ReadOnlySpan<byte> utf8, string? sourceName)
    {
        var (line, column, offset) = (1, 1, 0);
        while (System.Text.Rune.DecodeFromUtf8(utf8[offset..], out var rune, out var length) == System.Buffers.OperationStatus.Done)
        {
            (line, column) = rune.Value == '\n' ? (line + 1, 1) : (line, column + 1);
            offset += length;
        }

        var position = new TomlTextPosition(offset, line - 1, column - 1);
        return new TomlException(new TomlSourceSpan(sourceName ?? string.Empty, position, position), $"Invalid UTF-8 at byte {offset}.");
    }
}
