using System.Diagnostics;
using System.Globalization;
using TurnServer.LoadTool;
using TurnServer.Protocol.Addressing;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"turnload: {e.Message}\n\n{LoadOptions.Usage}");
    return 2;
}

var server = options.ServerPid is { } pid ? new ServerProcess(pid) : null;
if (options.Idle)
{
    return await IdleConnections.RunAsync(options, server!);
}

using var metrics = options.ServerMetrics is { } url ? new ServerMetrics(url) : null;
using var peer = new EchoPeer(options.PeerAddress);
var peerAddress = TransportAddress.FromIPEndPoint(peer.EndPoint);
var clients = Enumerable.Range(0, options.Clients).Select(i => new LoadClient(i, options, peerAddress)).ToArray();
var residentBefore = server?.ResidentBytes() ?? 0;
var setUpCpuBefore = server?.CpuTime() ?? TimeSpan.Zero;

// Set-up: every client allocates, permits the peer and binds its channel, 64 at a time.
using var setUpDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(20 * options.Clients));
var setUpClock = Stopwatch.StartNew();
try
{
    await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = setUpDeadline.Token }, async (client, token) => await client.SetUpAsync(token));
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
{
    Console.Error.WriteLine($"turnload: set-up failed: {e.Message}");
    return 1;
}

var setUp = setUpClock.Elapsed;
var setUpCpu = (server?.CpuTime() ?? TimeSpan.Zero) - setUpCpuBefore;
var residentAllocated = server?.ResidentBytes() ?? 0;

// Traffic: a warm-up, then the measured window, then a moment for echoes still in flight.
var measuring = 0;
using var stop = new CancellationTokenSource();
using var stopReceiving = new CancellationTokenSource();
var receivers = clients.Select(c => Task.Run(() => c.ReceiveAsync(stopReceiving.Token))).ToArray();
var senders = clients.Select(c => Task.Run(() => c.SendAsync(() => Volatile.Read(ref measuring) == 1, stop.Token))).ToArray();
await Task.Delay(options.Warmup);

var gcBefore = GC.CollectionCount(0);
var echoedBefore = peer.Echoed;
var receivedBefore = clients.Sum(c => Interlocked.Read(ref c.Received));
var sentBefore = clients.Sum(c => Interlocked.Read(ref c.Sent));
var cpuBefore = server?.CpuTime() ?? TimeSpan.Zero;
var serverGen0Before = metrics is null ? 0 : await metrics.CollectionsAsync(0);
var window = Stopwatch.StartNew();
Volatile.Write(ref measuring, 1);
await Task.Delay(options.Duration);
Volatile.Write(ref measuring, 0);
var elapsed = window.Elapsed;
var cpu = (server?.CpuTime() ?? TimeSpan.Zero) - cpuBefore;
var toPeer = peer.Echoed - echoedBefore;
var toClients = clients.Sum(c => Interlocked.Read(ref c.Received)) - receivedBefore;
var sent = clients.Sum(c => Interlocked.Read(ref c.Sent)) - sentBefore;
var serverGen0 = metrics is null ? 0 : await metrics.CollectionsAsync(0) - serverGen0Before;

await stop.CancelAsync();
await Task.WhenAll(senders);
await Task.Delay(500);
await stopReceiving.CancelAsync();
await Task.WhenAll(receivers);

var roundTrips = new LatencyHistogram();
long measuredSent = 0, measuredReceived = 0;
foreach (var client in clients)
{
    roundTrips.Add(client.RoundTrips);
    if (client.MeasuredFrom != uint.MaxValue)
    {
        measuredSent += client.MeasuredTo - client.MeasuredFrom;
        measuredReceived += client.MeasuredReceived;
    }
}

var peak = server?.PeakResidentBytes() ?? 0;
await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (client, _) => await client.DisposeAsync());

string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
var seconds = elapsed.TotalSeconds;
var relayed = toPeer + toClients;
var lines = new List<(string, string)>
{
    ("server", $"{options.Server} over {options.Transport.ToUpperInvariant()}, {(options.Indications ? "indications" : "channels")}, {(options.Secret is null ? "long-term" : "REST")} credentials"),
    ("load", $"{options.Clients} clients, {options.PayloadBytes}-byte payloads, {(options.Rate > 0 ? $"{options.Rate} packets/s each" : $"flood (window {options.Window})")}, {F(seconds)} s measured"),
    ("allocations/s", F(options.Clients / setUp.TotalSeconds)),
    ("sent/s", F(sent / seconds, "F0")),
    ("to peer/s", F(toPeer / seconds, "F0")),
    ("to clients/s", F(toClients / seconds, "F0")),
    ("Mbit/s each way", F(toClients * options.PayloadBytes * 8 / seconds / 1e6, "F2")),
    ("loss %", F(measuredSent == 0 ? 0 : 100.0 * (measuredSent - measuredReceived) / measuredSent, "F3")),
    ("rtt p50/p90/p99/max µs", $"{roundTrips.Percentile(0.5)}/{roundTrips.Percentile(0.9)}/{roundTrips.Percentile(0.99)}/{roundTrips.MaxMicroseconds}"),
    ("load tool gen0 GCs", (GC.CollectionCount(0) - gcBefore).ToString(CultureInfo.InvariantCulture)),
};
if (server is not null)
{
    lines.Add(("server CPU %", F(100 * cpu.TotalSeconds / seconds)));
    lines.Add(("server CPU µs/relayed packet", relayed == 0 ? "-" : F(cpu.TotalMicroseconds / relayed, "F2")));
    lines.Add(("server CPU µs/allocation", F(setUpCpu.TotalMicroseconds / options.Clients, "F1")));
    lines.Add(("server RSS per allocation KiB", F((residentAllocated - residentBefore) / 1024.0 / options.Clients, "F2")));
    lines.Add(("server peak RSS MiB", F(peak / 1048576.0)));
}

if (metrics is not null)
{
    lines.Add(("server gen0 GCs", serverGen0.ToString(CultureInfo.InvariantCulture)));
}

foreach (var (name, value) in lines)
{
    Console.WriteLine($"{name,-30} {value}");
}

return 0;
