using System.Globalization;
using System.Text.RegularExpressions;
using TurnServer.Host.Tests.Integration;
using TurnServer.Host.Tests.Interop;
using TurnServer.Testing;
using Xunit.Abstractions;

namespace TurnServer.Host.Tests.Coordinator;

/// <summary>
/// The NAT lab (tests/natlab/run.sh): the coordinator between two sites behind every pair of the six
/// emulated NAT kinds, in network namespaces, then connections that must stay up while the lab cuts
/// their direct path, flushes the NATs' tables, moves a host to a new address and leaves them idle
/// past the NATs' UDP timeout.
/// Needs root and nftables; skipped without them on a developer's machine, failed in CI.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class NatLabTests(ITestOutputHelper output)
{
    [RequiresToolFact("nft", "nftables")]
    public async Task EveryPairOfNatKinds_Connects_DirectlyWhereItCan_DiscoveryNamesEveryKind_AndConnectionsStayUp()
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
        var cut = Regex.Match(report, @"^path-cut: failover (\d+) ms, lost (\d+) packets, back to direct (\d+) ms$", RegexOptions.Multiline);
        Assert.True(cut.Success, "no path-cut line");
        Assert.InRange(Number(cut, 1), 0, 2000); // failover within 2 s of the cut
        Assert.InRange(Number(cut, 2), 0, 200); // at most 2 s of packets lost each way, at 50 a second
        Assert.InRange(Number(cut, 3), 0, 10_000); // direct again within 10 s of the route's return
        var rebind = Regex.Match(report, @"^nat-rebind: recovered (\d+) ms$", RegexOptions.Multiline);
        Assert.True(rebind.Success, "no nat-rebind line");
        Assert.InRange(Number(rebind, 1), 0, 10_000);
        var change = Regex.Match(report, @"^net-change: recovered (\d+) ms, direct again (\d+) ms, restarts (\d+)$", RegexOptions.Multiline);
        Assert.True(change.Success, "no net-change line");
        Assert.InRange(Number(change, 1), 0, 10_000);
        Assert.InRange(Number(change, 2), 0, 10_000); // direct again on the new address within 10 s
        Assert.InRange(Number(change, 3), 1, 10); // the change was seen and the connection restarted
        Assert.Matches(new Regex("^long-idle: ok$", RegexOptions.Multiline), report);
        var restart = Regex.Match(report, @"^turn-restart: recovered (\d+) ms$", RegexOptions.Multiline);
        Assert.True(restart.Success, "no turn-restart line");
        Assert.InRange(Number(restart, 1), 0, 5000); // packets again within 5 s of the server answering
        Assert.Matches(new Regex("^signaling-restart: ok$", RegexOptions.Multiline), report);
        Assert.Equal(0, exit);
    }

    private static int Number(Match match, int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
}
