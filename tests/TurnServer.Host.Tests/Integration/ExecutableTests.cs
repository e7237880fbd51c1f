using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Client;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Host.Tests.Interop;

namespace TurnServer.Host.Tests.Integration;

/// <summary>The turnserver executable as an operator runs it: start-up errors, serving, and SIGTERM.</summary>
[Collection(SequentialCollection.Name)]
public sealed partial class ExecutableTests
{
    private static readonly string Server = Path.Combine(AppContext.BaseDirectory, "turnserver.dll");

    [Fact]
    public async Task MisspelledOption_StopsStartUpWithExitCode2_NamingIt()
    {
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Dotnet, [Server, "--listening-prot=3478"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, exit);
        Assert.Contains("--listening-prot", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCoturnOptions()
    {
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Dotnet, [Server, "--help"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);
        Assert.Contains("--static-auth-secret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultConfig_ServesWithAPrintedPassword_AndStopsCleanlyOnSigterm()
    {
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", "--listening-port=0"]);
        var lines = new List<string>();
        IPEndPoint? endPoint = null;
        string? password = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((endPoint is null || password is null) && await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            lines.Add(line);
            if (ServingLine().Match(line) is { Success: true } serving)
            {
                endPoint = IPEndPoint.Parse(serving.Groups[1].Value);
            }

            if (PasswordLine().Match(line) is { Success: true } made)
            {
                password = made.Groups[1].Value;
            }
        }

        Assert.True(endPoint is not null && password is not null, string.Join('\n', lines));
        // Lines a person reads: time, level, category, message; no event id hashes ("turnserver[790544604]").
        Assert.All(lines, line => Assert.Matches(ConsoleLine(), line));
        using (var client = new UdpTurnClient(endPoint, "turn", password, realm: "turnserver"))
        {
            var response = client.Exchange(client.Build(StunMethod.Binding, null, signed: false));
            Assert.Equal(StunReadStatus.Ok, StunMessage.Read(response, out var binding));
            Assert.True(binding.HasAttribute(StunAttributeType.XorMappedAddress));
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync(deadline.Token);
        var rest = await process.StandardOutput.ReadToEndAsync(deadline.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Stopped", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_Drains_LiveAllocationsAreServed_NewOnesRefused_ExitWhenTheyEnd()
    {
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", "--listening-port=0", "--user=alice:pw", "--realm=r", "--drain-timeout=30"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var endPoint = await ServingEndPoint(process, deadline.Token);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        using var live = new UdpTurnClient(endPoint, "alice", "pw", realm: "r");
        live.Allocate();
        Signal(process, "-TERM");
        await Task.Delay(500);

        using var late = new UdpTurnClient(endPoint, "alice", "pw", realm: "r");
        Assert.Equal(508, UdpTurnClient.ErrorCode(late.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));
        Assert.Null(UdpTurnClient.ErrorCode(live.Request(StunMethod.Refresh)));
        Assert.False(process.HasExited);

        live.Request(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0));
        await process.WaitForExitAsync(deadline.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Drained: 0 allocations still live", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigtermUnderLoad_LiveClientsRelayOnWithoutLoss_UntilTheyLeave_ThenExitZero()
    {
        var port = ExternalTool.FreeUdpAndTcpPort();
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", $"--listening-port={port}", $"--user={ServerFixture.User}:{ServerFixture.Password}", $"--realm={ServerFixture.Realm}", "--allow-loopback-peers", "--drain-timeout=30"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var endPoint = await ServingEndPoint(process, deadline.Token);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        await using var peer = new UdpEchoPeer();
        var clients = new List<TurnClient>();
        for (var i = 0; i < 16; i++)
        {
            var transport = i % 2 == 0 ? ClientTransport.Udp : ClientTransport.Tcp;
            clients.Add(await TurnClient.AllocateAsync(new TurnClientOptions(new IPEndPoint(IPAddress.Loopback, port), new TurnCredentials(ServerFixture.User, ServerFixture.Password)) { Transport = transport, Reallocate = false }));
        }

        using var stop = new CancellationTokenSource();
        var echoed = new int[clients.Count];
        var flows = clients.Select((client, i) => Task.Run(() => EchoUntilStoppedAsync(client, peer.EndPoint, () => echoed[i]++, stop.Token))).ToArray();
        await Task.Delay(2000);
        var beforeSigterm = echoed.Sum();
        Signal(process, "-TERM");
        await Task.Delay(3000);

        using (var late = new UdpTurnClient(endPoint, ServerFixture.User, ServerFixture.Password))
        {
            Assert.Equal(508, UdpTurnClient.ErrorCode(late.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));
        }

        await stop.CancelAsync();
        await Task.WhenAll(flows); // each throws if a message of its never came back
        var duringDrain = echoed.Sum() - beforeSigterm;
        Assert.False(process.HasExited);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        await process.WaitForExitAsync(deadline.Token);
        var log = await output;
        Assert.Equal(0, process.ExitCode);
        Assert.True(duringDrain > 16 * 100, $"only {duringDrain} messages relayed during the drain");
        Assert.Contains("Drained: 0 allocations still live", log, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Split('\n'), line => line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal));
    }

    /// <summary>One message out and its echo back, again and again: any message lost fails the flow.</summary>
    private static async Task EchoUntilStoppedAsync(TurnClient client, IPEndPoint echo, Action echoed, CancellationToken stop)
    {
        var buffer = new byte[256];
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var payload = BitConverter.GetBytes(i);
            await client.SendToAsync(echo, payload, CancellationToken.None); // a message sent is waited for
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var received = await client.ReceiveFromAsync(buffer, wait.Token);
            Assert.Equal(payload, buffer[..received.ReceivedBytes]);
            echoed();
        }
    }

    [Fact]
    public async Task JsonLogFormat_WritesOneJsonObjectPerLine()
    {
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", "--listening-port=0", "--user=alice:pw", "--log-format=json"]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            using var entry = System.Text.Json.JsonDocument.Parse(line!);
            Assert.Equal("Information", entry.RootElement.GetProperty("LogLevel").GetString());
            Assert.EndsWith("Z", entry.RootElement.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(entry.RootElement.GetProperty("Message").GetString()));
        }
        finally
        {
            Signal(process, "-INT");
            await process.WaitForExitAsync(deadline.Token);
        }
    }

    [Fact]
    public async Task Sighup_ReloadsUsersFromTheConfigurationFile()
    {
        var directory = Directory.CreateTempSubdirectory("turnserver-sighup-").FullName;
        var config = Path.Combine(directory, "turnserver.toml");
        const string Common = "listening-ip = [\"127.0.0.1\"]\nlistening-port = 0\nrealm = \"r\"\nno-tls = true\n";
        await File.WriteAllTextAsync(config, Common + "user = [\"alice:pw\"]\n");
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-c", config]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var endPoint = await ServingEndPoint(process, deadline.Token);
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            await File.WriteAllTextAsync(config, Common + "user = [\"bob:pw2\"]\n");
            Signal(process, "-HUP");
            await Task.Delay(1000);

            using var bob = new UdpTurnClient(endPoint, "bob", "pw2", realm: "r");
            bob.Allocate();
            using var alice = new UdpTurnClient(endPoint, "alice", "pw", realm: "r");
            Assert.Equal(401, UdpTurnClient.ErrorCode(alice.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));
            Assert.False(process.HasExited);

            Signal(process, "-INT");
            await process.WaitForExitAsync(deadline.Token);
            Assert.Contains("Configuration reloaded: 1 users", await output, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CoturnSampleConfig_ConvertedOrReadDirectly_Starts(bool convert)
    {
        var directory = Directory.CreateTempSubdirectory("turnserver-migrate-").FullName;
        try
        {
            var config = Path.Combine(AppContext.BaseDirectory, "Configuration", "coturn-sample.conf");
            if (convert)
            {
                var converted = Path.Combine(directory, "turnserver.toml");
                var (exit, report) = await ExternalTool.RunAsync(ExternalTool.Dotnet, [Server, "migrate-config", config, "-o", converted], TimeSpan.FromSeconds(30));
                Assert.True(exit == 0, report);
                Assert.Contains("2 not supported", report, StringComparison.Ordinal);
                config = converted;
            }

            using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-c", config, "--listening-port=0", "--prometheus-port=0", "--min-port=49160", "--max-port=49200"]);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var endPoint = await ServingEndPoint(process, deadline.Token);
            using (var alice = new UdpTurnClient(endPoint, "alice", "correct-horse", realm: "turn.example.org"))
            {
                var response = alice.Request(StunMethod.Refresh);
                Assert.Equal(437, UdpTurnClient.ErrorCode(response)); // authenticated, and no allocation yet
            }

            Signal(process, "-INT");
            await process.WaitForExitAsync(deadline.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A stalled log collector (a console nobody reads) must not stop the relay: the UDP loops log from
    /// their own threads, and a logger that waited there for room would stall every socket they serve.
    /// </summary>
    [Fact]
    public async Task UnreadConsole_FullOfLogLines_DoesNotStopServing()
    {
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", "--listening-port=0", "--relay-threads=1", "--verbose"]);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var endPoint = await ServingEndPoint(process, deadline.Token);

            // From here nobody reads the output: enough debug lines to fill the pipe and the logger's queue.
            using var client = ConnectedClient(endPoint);
            for (var burst = 0; burst < 100; burst++)
            {
                SendMalformed(client, 100);
                await Task.Delay(5, deadline.Token);
            }

            Assert.True(AnswersBinding(client), "a Binding went unanswered while the console was full");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// A full disk under the log file costs log lines, not service: a logger that throws fails whatever
    /// was logging, the UDP loops included. Standard error says so once. Linux's /dev/full stands in
    /// for the full disk.
    /// </summary>
    [Fact]
    public async Task UnwritableLogFile_CostsLines_NotService()
    {
        using var process = ExternalTool.Launch(ExternalTool.Dotnet, [Server, "-L", "127.0.0.1", "--listening-port=0", "--log-file=/dev/full", "--verbose"]);
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var endPoint = await ServingEndPoint(process, deadline.Token);
            using var client = ConnectedClient(endPoint);
            SendMalformed(client, 10);

            Assert.True(AnswersBinding(client), "a Binding went unanswered with the log file unwritable");
            Assert.Contains("cannot write the log file /dev/full", await process.StandardError.ReadLineAsync(deadline.Token), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static Socket ConnectedClient(IPEndPoint server)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 500 };
        client.Connect(server);
        return client;
    }

    private static byte[] BindingRequest()
    {
        var request = new byte[StunConstants.HeaderLength];
        _ = new StunMessageWriter(request, new StunMessageType(StunMethod.Binding, StunClass.Request), TransactionId.NewRandom());
        return request;
    }

    /// <summary>Binding requests whose length is not a multiple of four: each dropped with a debug line.</summary>
    private static void SendMalformed(Socket client, int count)
    {
        var malformed = new byte[StunConstants.HeaderLength + 3];
        BindingRequest().CopyTo(malformed, 0);
        malformed[3] = 3;
        for (var i = 0; i < count; i++)
        {
            client.Send(malformed);
        }
    }

    private static bool AnswersBinding(Socket client)
    {
        var request = BindingRequest();
        var answer = new byte[1500];
        for (var attempt = 0; attempt < 10; attempt++)
        {
            client.Send(request);
            try
            {
                if (StunMessage.Read(answer.AsSpan(0, client.Receive(answer)), out var response) == StunReadStatus.Ok && response.Class == StunClass.SuccessResponse)
                {
                    return true;
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }

        return false;
    }

    /// <summary>Reads the server's log until it says where it serves UDP.</summary>
    private static async Task<IPEndPoint> ServingEndPoint(Process process, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
            if (ServingLine().Match(line) is { Success: true } serving)
            {
                return IPEndPoint.Parse(serving.Groups[1].Value);
            }
        }

        throw new Xunit.Sdk.XunitException("the server never said where it serves:\n" + string.Join('\n', lines));
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [GeneratedRegex(@"Serving STUN/TURN on UDP (\S+)")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (info|warn) turnserver(\.[a-z]+)?: [^\[]")]
    private static partial Regex ConsoleLine();

    [GeneratedRegex(@"made user 'turn' with password '([^']+)'")]
    private static partial Regex PasswordLine();
}
