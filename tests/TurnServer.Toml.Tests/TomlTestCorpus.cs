namespace TurnServer.Toml.Tests;

/// <summary>
/// The toml-test suite in shared/toml-test: the files its lists name for TOML 1.1 (what Tomlyn reads) and
/// TOML 1.0 (what the files users wrote before were checked against), as test cases. Valid documents come
/// with a tagged-JSON twin of the same name.
/// </summary>
internal static class TomlTestCorpus
{
    private static readonly Lazy<string[]> Toml11 = new(() => Listed("files-toml-1.1.0"));
    private static readonly Lazy<string[]> Toml10 = new(() => Listed("files-toml-1.0.0"));

    public static string PathOf(string relative) => SharedData.PathOf(Path.Combine("toml-test", "tests", relative));

    public static IReadOnlyList<string> ListedFiles => Toml11.Value;

    public static IEnumerable<string> ValidDocuments => TomlFilesUnder(Toml11.Value, "valid/");

    public static IEnumerable<string> InvalidDocuments => TomlFilesUnder(Toml11.Value, "invalid/");

    public static IEnumerable<string> ValidToml10Documents => TomlFilesUnder(Toml10.Value, "valid/");

    public static IEnumerable<string> InvalidToml10Documents => TomlFilesUnder(Toml10.Value, "invalid/");

    public static TheoryData<string> ValidCases => new(ValidDocuments);

    public static TheoryData<string> InvalidCases => new(InvalidDocuments);

    private static string[] Listed(string listFile) => File.ReadAllLines(PathOf(listFile)).Where(line => line.Length > 0).ToArray();

    private static IEnumerable<string> TomlFilesUnder(string[] files, string folder) =>
        files.Where(file => file.StartsWith(folder, StringComparison.Ordinal) && file.EndsWith(".toml", StringComparison.Ordinal));
}
