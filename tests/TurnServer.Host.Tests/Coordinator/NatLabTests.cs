using TurnServer.Host.Tests.Integration;
using TurnServer.Host.Tests.Interop;
using TurnServer.Testing;
using Xunit.Abstractions;

namespace TurnServer.Host.Tests.Coordinator;

/// <summary>
/// The NAT lab (tests/natlab/run.sh): the coordinator between two sites behind every pair of the six
/// emulated NAT kinds, in network namespaces. Needs root and nftables; skipped without them on a
/// developer's machine, failed in CI.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class NatLabTests(ITestOutputHelper output)
{
    [RequiresToolFact("nft", "nftables")]
    public async Task EveryPairOfNatKinds_Connects_DirectlyWhereItCan_AndDiscoveryNamesEveryKind()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.False(ExternalTool.InCi, "the NAT lab needs root, which CI has");
            return;
        }

        var script = Path.Combine(SharedData.RepositoryRoot, "tests", "natlab", "run.sh");
        var (exit, report) = await ExternalTool.RunAsync("/usr/bin/env",
            [$"NATLAB_SERVER_DLL={Path.Combine(AppContext.BaseDirectory, "turnserver.dll")}", $"NATLAB_DEMO_DLL={Path.Combine(AppContext.BaseDirectory, "p2pdemo.dll")}", "bash", script],
            TimeSpan.FromMinutes(25));
        output.WriteLine(report);

        Assert.Contains("21/21 connected, 14 direct, 7 relayed", report, StringComparison.Ordinal);
        Assert.Equal(0, exit);
    }
}
