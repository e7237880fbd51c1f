using TurnServer.Testing;

namespace TurnServer.Relay.Tests.Fuzzing;

/// <summary>
/// The dispatch target's checked-in inputs (the seeds AFL++ starts from and what it or we found,
/// tests/FuzzCorpus and tests/FuzzRegressions) leave the server serving: the property a crash-only
/// replay cannot check. AFL++ itself runs the target in tests/TurnServer.Host.Tests/Fuzzing.
/// </summary>
public class DispatchFuzzTests
{
    [Fact]
    public void CheckedInInputs_LeaveTheServerServing()
    {
        var target = new DispatchTarget();
        var inputs = new[] { "FuzzCorpus", "FuzzRegressions" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(SharedData.RepositoryRoot, "tests", folder, "dispatch")))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(inputs.Count > 10, $"{inputs.Count} inputs");
        foreach (var input in inputs)
        {
            target.Run(File.ReadAllBytes(input));
        }

        Assert.True(target.Harness.Client("198.51.100.99:50000").Allocate().IsSuccess);
    }
}
