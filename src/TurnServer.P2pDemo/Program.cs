using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TurnServer.Coordinator;
using TurnServer.Coordinator.Connections;
using TurnServer.P2pDemo;

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"p2pdemo: {e.Message}\n\n{DemoOptions.Usage}");
    return 2;
}

using var logging = options.CreateLogging();
if (options.Id is null)
{
    return await BothPeersAsync(options, logging);
}

return await OnePeerAsync(options, logging);

// The newcomer's demo: alice and bob in one process, through the local turnserver.
static async Task<int> BothPeersAsync(DemoOptions options, ILoggerFactory logging)
{
    await using var alice = new PeerCoordinator(options.CoordinatorFor("alice", includeLoopback: true, logging));
    await using var bob = new PeerCoordinator(options.CoordinatorFor("bob", includeLoopback: true, logging));
    await alice.InitializeAsync();
    await bob.InitializeAsync();
    Console.WriteLine($"alice: NAT {alice.Nat?.Type.ToString() ?? "unknown"}, public address {alice.Nat?.PublicEndPoint}; recommended: {alice.RecommendedStrategy.Strategy}");
    Console.WriteLine($"bob:   NAT {bob.Nat?.Type.ToString() ?? "unknown"}, public address {bob.Nat?.PublicEndPoint}");
    var echoing = Task.Run(async () => await EchoAsync(await bob.AcceptAsync(), options.Messages));
    var clock = Stopwatch.StartNew();
    var connection = await alice.ConnectAsync("bob");
    Console.WriteLine($"alice -> bob connected in {clock.ElapsedMilliseconds} ms: {connection.Path}");
    var echoed = await SendAndCountEchoesAsync(connection, options.Messages);
    await echoing;
    Console.WriteLine($"{echoed}/{options.Messages} messages echoed");
    return echoed == options.Messages ? 0 : 1;
}

// One side, as the NAT lab runs it in a site's host.
static async Task<int> OnePeerAsync(DemoOptions options, ILoggerFactory logging)
{
    await using var coordinator = new PeerCoordinator(options.CoordinatorFor(options.Id!, includeLoopback: false, logging));
    await coordinator.InitializeAsync();
    Console.Error.WriteLine($"{coordinator.PeerId} ready"); // the NAT lab starts the other side on this line
    var result = new Dictionary<string, object?>
    {
        ["peer"] = coordinator.PeerId,
        ["nat"] = coordinator.Nat?.Type.ToString() ?? "Unknown",
        ["public"] = coordinator.Nat?.PublicEndPoint?.ToString(),
    };
    var clock = Stopwatch.StartNew();
    PeerConnection? connection = null;
    try
    {
        using var deadline = new CancellationTokenSource(options.Timeout * 3);
        connection = options.Connect is { } peer ? await coordinator.ConnectAsync(peer, deadline.Token) : await coordinator.AcceptAsync(deadline.Token);
        result["connected"] = true;
        result["ms"] = clock.ElapsedMilliseconds;
        result["path"] = Describe(connection.Path!);
        if (options.Stream > TimeSpan.Zero)
        {
            Console.Error.WriteLine($"{coordinator.PeerId} connected"); // the lab cuts the path after this line
            if (options.Idle > TimeSpan.Zero)
            {
                var changes = 0;
                connection.PathChanged += (_, _) => Interlocked.Increment(ref changes);
                var before = connection.Path;
                await Task.Delay(options.Idle);
                result["keptPath"] = connection.Path == before && Volatile.Read(ref changes) == 0;
            }

            foreach (var (key, value) in await new StreamRun(connection, options.Stream, options.Rate).RunAsync(options.Marks))
            {
                result[key] = value;
            }

            if (options.Again)
            {
                result["again"] = await ConnectAgainAsync(coordinator, options);
            }

            Console.WriteLine(JsonSerializer.Serialize(result));
            return 0;
        }

        if (connection.Path!.Kind == PathKind.Relayed && options.Hold > TimeSpan.Zero)
        {
            var direct = new TaskCompletionSource();
            connection.PathChanged += (_, change) =>
            {
                if (change.Current.Kind == PathKind.Direct)
                {
                    direct.TrySetResult();
                }
            };
            await Task.WhenAny(direct.Task, Task.Delay(options.Hold));
            if (connection.Path!.Kind == PathKind.Direct)
            {
                result["msToDirect"] = clock.ElapsedMilliseconds;
            }
        }

        result["echoed"] = options.Connect is null ? await EchoAsync(connection, options.Messages) : await SendAndCountEchoesAsync(connection, options.Messages);
        result["finalPath"] = Describe(connection.Path!);
    }
    catch (Exception e) when (e is TimeoutException or OperationCanceledException or TurnServer.Coordinator.Signaling.SignalingException)
    {
        result["connected"] = false;
        result["error"] = e.Message;
    }

    if (options.Json)
    {
        Console.WriteLine(JsonSerializer.Serialize(result));
    }
    else
    {
        foreach (var (key, value) in result)
        {
            Console.WriteLine($"{key,-10} {value}");
        }
    }

    return connection is null ? 1 : 0;
}

// A second connection between the same two peers, say after the signaling service restarted: the
// offering side tries until the other has registered again.
static async Task<int> ConnectAgainAsync(PeerCoordinator coordinator, DemoOptions options)
{
    using var deadline = new CancellationTokenSource(options.Timeout * 3);
    try
    {
        if (options.Connect is null)
        {
            return await EchoAsync(await coordinator.AcceptAsync(deadline.Token), 5);
        }

        while (true)
        {
            try
            {
                return await SendAndCountEchoesAsync(await coordinator.ConnectAsync(options.Connect, deadline.Token), 5);
            }
            catch (TurnServer.Coordinator.Signaling.SignalingException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token); // not registered again yet
            }
        }
    }
    catch (Exception e) when (e is TimeoutException or OperationCanceledException or PeerConnectionClosedException)
    {
        return 0;
    }
}

static Dictionary<string, string> Describe(ConnectionPath path) => new()
{
    ["kind"] = path.Kind.ToString(),
    ["strategy"] = path.Strategy.ToString(),
    ["transport"] = path.Transport.ToString(),
    ["local"] = $"{path.LocalKind} {path.Local}",
    ["remote"] = $"{path.RemoteKind} {path.Remote}",
};

// Sends numbered messages, up to 3 tries each, and counts the echoes that come back.
static async Task<int> SendAndCountEchoesAsync(PeerConnection connection, int messages)
{
    var echoed = 0;
    for (var i = 0; i < messages; i++)
    {
        var text = $"message {i}";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await connection.SendAsync(Encoding.UTF8.GetBytes(text));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (Encoding.UTF8.GetString(await connection.ReceiveAsync(wait.Token)) != text)
                {
                    // An echo of an earlier try: not this one.
                }

                echoed++;
                break;
            }
            catch (OperationCanceledException)
            {
                // Lost: again.
            }
        }
    }

    await connection.SendAsync("bye"u8.ToArray());
    return echoed;
}

// Echoes until "bye" or ten quiet seconds; returns how many it echoed.
static async Task<int> EchoAsync(PeerConnection connection, int expected)
{
    var echoed = 0;
    try
    {
        while (true)
        {
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var message = await connection.ReceiveAsync(quiet.Token);
            if (message.AsSpan().SequenceEqual("bye"u8))
            {
                break;
            }

            await connection.SendAsync(message);
            echoed++;
        }
    }
    catch (OperationCanceledException)
    {
        // The other side went quiet.
    }

    return Math.Min(echoed, expected);
}
