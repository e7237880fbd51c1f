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
        SyntaxParser.ParseStrict(text, options, sourceName, validate: true);
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
