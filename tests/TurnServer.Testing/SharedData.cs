namespace TurnServer.Testing;

/// <summary>
/// Finds the shared test data that sits beside the repository (../shared), as it does on a developer's
/// machine and in CI. Missing data fails the tests that need it: they are the project's evidence.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> Repository = new(FindRepository);
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The directory holding TurnServer.sln, found from the test's output directory upwards.</summary>
    public static string RepositoryRoot => Repository.Value;

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    private static string FindRoot()
    {
        var shared = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(shared) ? shared : throw new DirectoryNotFoundException($"The shared test data is expected at {shared}, beside the repository.");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TurnServer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("TurnServer.sln not found above " + AppContext.BaseDirectory);
    }
}
