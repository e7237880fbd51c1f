using System.Text.Json;
using Tomlyn;

namespace TurnServer.Toml.Tests;

/// <summary>
/// Every TOML 1.1 file of toml-test: valid ones read to their JSON twin, invalid ones are rejected with a
/// position. And what moving from a TOML 1.0 reader to a 1.1 one changes for files already written.
/// </summary>
public class TomlTestCorpusTests
{
    // TOML 1.1 made these legal: seconds may be left out, inline tables may span lines and end with a
    // comma, and "\xHH" / "\e" escapes exist. Nothing else that TOML 1.0 rejects is accepted.
    private static readonly string[] LegalSinceToml11 =
    [
        "invalid/datetime/no-secs.toml",
        "invalid/inline-table/linebreak-01.toml",
        "invalid/inline-table/linebreak-02.toml",
        "invalid/inline-table/linebreak-03.toml",
        "invalid/inline-table/linebreak-04.toml",
        "invalid/inline-table/trailing-comma.toml",
        "invalid/local-datetime/no-secs.toml",
        "invalid/local-time/no-secs.toml",
        "invalid/string/basic-byte-escapes.toml",
    ];

    [Fact]
    public void The_corpus_lists_the_TOML_1_1_files()
    {
        Assert.True(TomlTestCorpus.ValidDocuments.Count() >= 200, "toml-test lists about 220 valid TOML 1.1 documents");
        Assert.True(TomlTestCorpus.InvalidDocuments.Count() >= 450, "toml-test lists about 490 invalid TOML 1.1 documents");
        foreach (var valid in TomlTestCorpus.ValidDocuments)
        {
            Assert.Contains(Path.ChangeExtension(valid, ".json"), TomlTestCorpus.ListedFiles);
        }
    }

    [Theory]
    [MemberData(nameof(TomlTestCorpus.ValidCases), MemberType = typeof(TomlTestCorpus))]
    public void Valid_document_reads_to_the_expected_values(string file)
    {
        var document = TomlDocumentReader.Read(File.ReadAllBytes(TomlTestCorpus.PathOf(file)));

        using var expected = JsonDocument.Parse(File.ReadAllBytes(TomlTestCorpus.PathOf(Path.ChangeExtension(file, ".json"))));
        TaggedJson.AssertEquivalent(expected.RootElement, document, "$");
    }

    [Theory]
    [MemberData(nameof(TomlTestCorpus.InvalidCases), MemberType = typeof(TomlTestCorpus))]
    public void Invalid_document_is_rejected_with_its_position(string file)
    {
        var bytes = File.ReadAllBytes(TomlTestCorpus.PathOf(file));

        var error = Assert.Throws<TomlException>(() => TomlDocumentReader.Read(bytes, file));

        var lineCount = 1 + bytes.Count(b => b == (byte)'\n');
        Assert.NotNull(error.Line);
        Assert.NotNull(error.Column);
        Assert.InRange(error.Line.Value, 1, lineCount);
        Assert.InRange(error.Column.Value, 1, int.MaxValue);
        Assert.StartsWith($"{file}({error.Line},{error.Column})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_valid_TOML_1_0_document_still_reads()
    {
        var failures = TomlTestCorpus.ValidToml10Documents.Where(file => !Reads(file)).ToList();

        Assert.Empty(failures);
        Assert.True(TomlTestCorpus.ValidToml10Documents.Count() >= 200);
    }

    [Fact]
    public void Of_the_invalid_TOML_1_0_documents_only_the_ones_TOML_1_1_made_legal_are_accepted()
    {
        var accepted = TomlTestCorpus.InvalidToml10Documents.Where(Reads).Order(StringComparer.Ordinal);

        Assert.Equal(LegalSinceToml11, accepted);
    }

    private static bool Reads(string file)
    {
        try
        {
            TomlDocumentReader.Read(File.ReadAllBytes(TomlTestCorpus.PathOf(file)));
            return true;
        }
        catch (TomlException)
        {
            return false;
        }
    }
}
