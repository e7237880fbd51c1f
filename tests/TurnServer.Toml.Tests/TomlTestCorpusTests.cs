using System.Text.Json;

namespace TurnServer.Toml.Tests;

/// <summary>Every TOML 1.0 file of toml-test: valid ones parse to their JSON twin, invalid ones are rejected with a position.</summary>
public class TomlTestCorpusTests
{
    [Fact]
    public void The_corpus_lists_the_TOML_1_0_files()
    {
        Assert.True(TomlTestCorpus.ValidDocuments.Count() >= 200, "toml-test lists about 210 valid TOML 1.0 documents");
        Assert.True(TomlTestCorpus.InvalidDocuments.Count() >= 450, "toml-test lists about 500 invalid TOML 1.0 documents");
        foreach (var valid in TomlTestCorpus.ValidDocuments)
        {
            Assert.Contains(Path.ChangeExtension(valid, ".json"), TomlTestCorpus.ListedFiles);
        }
    }

    [Theory]
    [MemberData(nameof(TomlTestCorpus.ValidCases), MemberType = typeof(TomlTestCorpus))]
    public void Valid_document_parses_to_the_expected_values(string file)
    {
        var document = TomlDocument.Parse(File.ReadAllBytes(TomlTestCorpus.PathOf(file)));

        using var expected = JsonDocument.Parse(File.ReadAllBytes(TomlTestCorpus.PathOf(Path.ChangeExtension(file, ".json"))));
        TaggedJson.AssertEquivalent(expected.RootElement, document, "$");
    }

    [Theory]
    [MemberData(nameof(TomlTestCorpus.InvalidCases), MemberType = typeof(TomlTestCorpus))]
    public void Invalid_document_is_rejected_with_its_position(string file)
    {
        var bytes = File.ReadAllBytes(TomlTestCorpus.PathOf(file));

        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse(bytes));

        var lineCount = 1 + bytes.Count(b => b == (byte)'\n');
        Assert.InRange(error.Line, 1, lineCount);
        Assert.InRange(error.Column, 1, int.MaxValue);
        Assert.StartsWith($"line {error.Line}, column {error.Column}: ", error.Message, StringComparison.Ordinal);
    }
}
