namespace TurnServer.Toml.Tests;

/// <summary>
/// The toml-test suite in shared/toml-test: the files its list names for TOML 1.0, as test cases.
/// Valid documents come with a tagged-JSON twin of the same name.
/// </summary>
internal static class TomlTestCorpus
{
    private const string ListFile = "files-toml-1.0.0";

    private static readonly Lazy<string[]> Listed = new(() =>
        File.ReadAllLines(PathOf(ListFile)).Where(line => line.Length > 0).ToArray());

    public static string PathOf(string relative) => SharedData.PathOf(Path.Combine("toml-test", "tests", relative));

    public static IReadOnlyList<string> ListedFiles => Listed.Value;

    public static IEnumerable<string> ValidDocuments => TomlFilesUnder("valid/");

    public static IEnumerable<string> InvalidDocuments => TomlFilesUnder("invalid/");

    public static TheoryData<string> ValidCases => new(ValidDocuments);

    public static TheoryData<string> InvalidCases => new(InvalidDocuments);

    private static IEnumerable<string> TomlFilesUnder(string folder) =>
        ListedFiles.Where(file => file.StartsWith(folder, StringComparison.Ordinal) && file.EndsWith(".toml", StringComparison.Ordinal));
}
