using System.Globalization;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// A soak: rounds of allocations over UDP and TCP made, used (channels and indications) and
/// released, and one more per round abandoned to expire, with the process's resident memory, open
/// descriptors and GC heap sampled every 10 s. At the end every allocation must be gone, no error
/// logged, and the samples back where they started. 15 s by default; SOAK_SECONDS=600 is the full
/// soak whose table docs/security.md shows.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class SoakTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Short, so abandoned allocations expire within the run rather than ten minutes after it.
    private static readonly TimeSpan AllocationLifetime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MixedTraffic_LeavesNothingBehind()
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("SOAK_SECONDS") ?? "15", CultureInfo.InvariantCulture));
        await using var server = await ServerFixture.StartAsync(
            settings => settings with { Engine = settings.Engine with { DefaultAllocationLifetime = AllocationLifetime, UnauthenticatedRequestsPerSecond = 1000 } },
            "--max-allocate-lifetime=600");
        await using var peer = new UdpEchoPeer();
        await RoundAsync(server, peer); // warms up what is made once
        await WaitForExpiryAsync(server);
        var start = Sample.Take(settled: true);
        output.WriteLine("| time | rounds | allocations | RSS MiB | GC heap MiB | GC committed MiB | descriptors |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        output.WriteLine(start.Row("start", 0, 0));

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var nextSample = SampleInterval;
        var rounds = 0;
        while (stopwatch.Elapsed < duration)
        {
            await RoundAsync(server, peer);
            rounds++;
            if (stopwatch.Elapsed >= nextSample)
            {
                output.WriteLine(Sample.Take(settled: false).Row($"{nextSample.TotalSeconds:F0} s", rounds, server.Engine.Allocations.Count));
                nextSample += SampleInterval;
            }
        }

        await WaitForExpiryAsync(server);
        var end = Sample.Take(settled: true);
        output.WriteLine(end.Row("end", rounds, server.Engine.Allocations.Count));
        Assert.Equal(0, server.Engine.Allocations.Count);
        Assert.DoesNotContain(server.LoggedProblems, line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal));
        Assert.InRange(end.Descriptors, 0, start.Descriptors + 8);
        Assert.True(end.HeapBytes - start.HeapBytes < 4 * 1024 * 1024, $"the heap grew by {(end.HeapBytes - start.HeapBytes) / 1024} KiB");
        Assert.True(end.ResidentBytes - start.ResidentBytes < 64 * 1024 * 1024, $"resident memory grew by {(end.ResidentBytes - start.ResidentBytes) / 1024} KiB");
    }

    /// <summary>
    /// Four clients of our library, half over UDP and half over TCP, each relaying a few packets (Send
    /// indications, then a channel) and releasing its allocation, and one raw UDP client that relays
    /// by indications and vanishes without releasing; paced at four rounds a second.
    /// </summary>
    private static async Task RoundAsync(ServerFixture server, UdpEchoPeer peer)
    {
        var pace = Task.Delay(TimeSpan.FromMilliseconds(250));
        var released = Enumerable.Range(0, 4).Select(async i =>
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
        });
        await Task.WhenAll(released.Append(Task.Run(() => Abandon(server, peer))).Append(pace));
    }

    private static void Abandon(ServerFixture server, UdpEchoPeer peer)
    {
        using var client = AllocateFromAFreshPort(server);
        var echo = TransportAddress.FromIPEndPoint(peer.EndPoint);
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, echo))));
        client.Send(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, echo);
            w.WriteAttribute(StunAttributeType.Data, "abandoned"u8);
        }, signed: false, StunClass.Indication));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(client.Receive(), out var data));
        Assert.Equal(StunMethod.Data, data.Type.Method);
    }

    /// <summary>
    /// An ephemeral port an earlier abandoned client had still carries its allocation, and the server
    /// answers 437 (RFC 8656 section 7.4): the client tries again from another port, as ours does.
    /// </summary>
    private static UdpTurnClient AllocateFromAFreshPort(ServerFixture server)
    {
        var tried = new List<UdpTurnClient>();
        try
        {
            while (true)
            {
                var client = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password);
                var answer = client.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
                if (UdpTurnClient.ErrorCode(answer) is not 437 || tried.Count == 3)
                {
                    Assert.Null(UdpTurnClient.ErrorCode(answer));
                    return client;
                }

                tried.Add(client); // held open until the end, so the next socket gets another port
            }
        }
        finally
        {
            tried.ForEach(c => c.Dispose());
        }
    }

    private static async Task WaitForExpiryAsync(ServerFixture server)
    {
        var deadline = DateTime.UtcNow + AllocationLifetime + TimeSpan.FromSeconds(10);
        while (server.Engine.Allocations.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
    }

    /// <summary>Committed: what the GC holds from the OS, the managed share of the resident memory.</summary>
    private readonly record struct Sample(long ResidentBytes, long HeapBytes, long CommittedBytes, int Descriptors)
    {
        /// <summary>Settled: after full collections, to compare start and end; otherwise as the process stands.</summary>
        public static Sample Take(bool settled)
        {
            if (settled)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }

            var resident = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kib = long.Parse(resident.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return new Sample(kib * 1024, GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes, Directory.GetFiles("/proc/self/fd").Length);
        }

        public string Row(string time, int rounds, int allocations) =>
            string.Create(CultureInfo.InvariantCulture, $"| {time} | {rounds} | {allocations} | {ResidentBytes / 1048576.0:F1} | {HeapBytes / 1048576.0:F1} | {CommittedBytes / 1048576.0:F1} | {Descriptors} |");
    }
}
