using TurnServer.Host.Tests.Interop;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// What an operator installs from: the systemd unit, and the publish step the Dockerfile runs. In
/// the sequential collection: reading a minute of build output allocates in this process, which the
/// relay's allocation-per-packet measurement must not count.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class PackagingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("turnserver-packaging-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [RequiresToolFact("systemd-analyze", "systemd")]
    public async Task SystemdUnit_PassesSystemdsOwnCheck()
    {
        // The unit names the installed binary; the check needs some executable there.
        var unit = (await File.ReadAllTextAsync(RepositoryFile("config/turnserver.service")))
            .Replace("ExecStart=/opt/turnserver/turnserver", "ExecStart=/bin/true", StringComparison.Ordinal);
        var path = Path.Combine(_directory, "turnserver.service");
        await File.WriteAllTextAsync(path, unit);

        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require("systemd-analyze", "systemd"), ["verify", path], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0 && output.Trim().Length == 0, $"systemd-analyze verify (exit {exit}):\n{output}");
    }

    [Fact]
    public async Task DockerfilePublishStep_BuildsAServerThatRuns()
    {
        var dockerfile = await File.ReadAllTextAsync(RepositoryFile("Dockerfile"));
        Assert.Contains("RUN dotnet publish src/TurnServer.Host -c Release -o /app --no-self-contained", dockerfile, StringComparison.Ordinal);
        Assert.Contains("USER app", dockerfile, StringComparison.Ordinal);

        var output = Path.Combine(_directory, "app");
        var (published, log) = await ExternalTool.RunAsync(ExternalTool.Dotnet, ["publish", RepositoryFile("src/TurnServer.Host"), "-c", "Release", "-o", output, "--no-self-contained"], TimeSpan.FromMinutes(5));
        Assert.True(published == 0, log);

        var (exit, version) = await ExternalTool.RunAsync(ExternalTool.Dotnet, [Path.Combine(output, "turnserver.dll"), "--version"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);
        Assert.StartsWith("turnserver ", version, StringComparison.Ordinal);
    }

    private static string RepositoryFile(string relative) => Path.Combine(Testing.SharedData.RepositoryRoot, relative);
}
