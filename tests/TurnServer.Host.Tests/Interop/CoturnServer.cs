using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// coturn's turnserver on loopback, started and stopped by a test: Debian's package, or the binary named by
/// <c>COTURN_TURNSERVER</c> (such as upstream 4.17.1 built by <c>../shared/anchors/build-coturn.sh</c>).
/// </summary>
internal sealed class CoturnServer : IAsyncDisposable
{
    public const string Realm = "example.org";
    public const string User = "alice";
    public const string Password = "alice-password";

    private readonly Process _process;
    private readonly string _directory;

    private CoturnServer(Process process, string directory, IPEndPoint endPoint, IPEndPoint tlsEndPoint, string version)
    {
        _process = process;
        Version = version;
        _directory = directory;
        EndPoint = endPoint;
        TlsEndPoint = tlsEndPoint;
    }

    /// <summary>UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    public IPEndPoint TlsEndPoint { get; }

    /// <summary>What <c>turnserver --version</c> printed, to name the server in every figure.</summary>
    public string Version { get; }

    private static string Binary =>
        Environment.GetEnvironmentVariable("COTURN_TURNSERVER") is { Length: > 0 } path ? path : ExternalTool.Require("turnserver", "coturn");

    public static async Task<CoturnServer> StartAsync(string certificate, string key, params string[] extra)
    {
        var port = ExternalTool.FreeTcpPort();
        var tlsPort = ExternalTool.FreeTcpPort();
        var directory = Directory.CreateTempSubdirectory("coturn-").FullName;
        string[] args =
        [
            "-n", "--no-cli", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}", $"--tls-listening-port={tlsPort}",
            "--no-dtls", $"--cert={certificate}", $"--pkey={key}", $"--realm={Realm}", "--lt-cred-mech", $"--user={User}:{Password}",
            "--allow-loopback-peers", "--min-port=40000", "--max-port=40999", "--no-stdout-log", "--simple-log",
            $"--log-file={Path.Combine(directory, "turn.log")}", $"--pidfile={Path.Combine(directory, "turn.pid")}", .. extra,
        ];
        var binary = Binary;
        var (_, version) = await ExternalTool.RunAsync(binary, ["--version"], TimeSpan.FromSeconds(10));
        var process = ExternalTool.Start(binary, args);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await Listening(new IPEndPoint(IPAddress.Loopback, tlsPort)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"coturn did not start (exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none")}): {Log(directory)}");
            }

            await Task.Delay(100);
        }

        return new CoturnServer(process, directory, endPoint, new IPEndPoint(IPAddress.Loopback, tlsPort), version.Trim());
    }

    private static async Task<bool> Listening(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Log(string directory) =>
        string.Join('\n', Directory.GetFiles(directory, "*.log").SelectMany(File.ReadAllLines).TakeLast(20));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
