namespace TurnServer.Testing;

/// <summary>
/// Finds the shared test data that sits beside the repository (../shared), as it does on a developer's
/// machine and in CI. Missing data fails the tests that need it: they are the project's evidence.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TurnServer.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                if (Directory.Exists(shared))
                {
                    return shared;
                }

                throw new DirectoryNotFoundException($"The shared test data is expected at {shared}, beside the repository.");
            }
        }

        throw new DirectoryNotFoundException("TurnServer.sln not found above " + AppContext.BaseDirectory);
    }
}
