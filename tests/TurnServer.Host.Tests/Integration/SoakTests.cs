using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// A short soak: rounds of allocations over UDP and TCP made, used (channels and indications) and
/// released, with the process's heap, open file descriptors and the server's tables
/// sampled; at the end they must be back where they started. SOAK_SECONDS makes it longer.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class SoakTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task MixedTraffic_LeavesNothingBehind()
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("SOAK_SECONDS") ?? "15", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await ServerFixture.StartAsync("--max-allocate-lifetime=600");
        await using var peer = new UdpEchoPeer();
        await RoundAsync(server, peer); // warms up what is made once
        var (heapBefore, descriptorsBefore) = Sample();
        output.WriteLine($"start: heap {heapBefore / 1024} KiB, {descriptorsBefore} descriptors");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var rounds = 0;
        while (stopwatch.Elapsed < duration)
        {
            await RoundAsync(server, peer);
            rounds++;
            if (rounds % 5 == 0)
            {
                var (heap, descriptors) = Sample();
                output.WriteLine($"{stopwatch.Elapsed.TotalSeconds,5:F0} s: round {rounds}, heap {heap / 1024} KiB, {descriptors} descriptors, {server.Engine.Allocations.Count} allocations");
            }
        }

        await Task.Delay(500);
        var (heapAfter, descriptorsAfter) = Sample();
        output.WriteLine($"end: {rounds} rounds, heap {heapAfter / 1024} KiB, {descriptorsAfter} descriptors");
        Assert.Equal(0, server.Engine.Allocations.Count);
        Assert.InRange(descriptorsAfter, 0, descriptorsBefore + 8);
        Assert.True(heapAfter - heapBefore < 4 * 1024 * 1024, $"the heap grew by {(heapAfter - heapBefore) / 1024} KiB");
    }

    /// <summary>
    /// Four clients, half over UDP and half over TCP, each relaying a few packets and releasing its
    /// allocation; paced so the UDP challenges stay within one address's unauthenticated budget.
    /// </summary>
    private static async Task RoundAsync(ServerFixture server, UdpEchoPeer peer)
    {
        var pace = Task.Delay(TimeSpan.FromMilliseconds(250));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            var tcp = i % 2 == 1;
            var client = await TurnClient.AllocateAsync(new TurnClientOptions(tcp ? server.TcpEndPoint : server.EndPoint, new TurnCredentials(ServerFixture.User, ServerFixture.Password))
            {
                Transport = tcp ? ClientTransport.Tcp : ClientTransport.Udp,
            });
            await using (client)
            {
                await RelayTurnClient.ExchangeAsync(client, peer.EndPoint, messages: 3);
            }
        }).Append(pace));
    }

    private static (long Heap, int Descriptors) Sample()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var descriptors = Directory.Exists("/proc/self/fd") ? Directory.GetFiles("/proc/self/fd").Length : 0;
        return (GC.GetTotalMemory(forceFullCollection: true), descriptors);
    }
}
