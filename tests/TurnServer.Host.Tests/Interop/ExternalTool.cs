using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// A Fact that needs a program from a Debian package. Without it the test is skipped on a developer's
/// machine, but under CI=true it runs and fails, naming the package scripts/setup.sh installs.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool, string package)
    {
        if (ExternalTool.Find(tool) is null && !ExternalTool.InCi)
        {
            Skip = $"{tool} not installed (Debian package {package}; scripts/setup.sh installs it)";
        }
    }
}

public sealed class RequiresToolTheoryAttribute : TheoryAttribute
{
    public RequiresToolTheoryAttribute(string tool, string package)
    {
        if (ExternalTool.Find(tool) is null && !ExternalTool.InCi)
        {
            Skip = $"{tool} not installed (Debian package {package}; scripts/setup.sh installs it)";
        }
    }
}

internal static class ExternalTool
{
    /// <summary>The dotnet host running the tests, to start the built executables with.</summary>
    public static string Dotnet { get; } = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    public static string Require(string tool, string package) =>
        Find(tool) ?? throw new InvalidOperationException($"{tool} is missing: install the Debian package {package} (scripts/setup.sh does)");

    /// <summary>Runs a program to completion within a deadline and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string path, IEnumerable<string> args, TimeSpan timeout)
    {
        using var process = Launch(path, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            return (-1, $"timed out after {timeout}: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts a program that runs beside a test (an echo peer, a Prometheus), discarding its output.</summary>
    public static Process Start(string path, IEnumerable<string> args)
    {
        var process = Launch(path, args);

        // Read and drop what it writes, so a chatty tool never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Starts a program whose output the caller reads.</summary>
    public static Process Launch(string path, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {path}");
    }

    /// <summary>A UDP port free at the moment of asking, for tools that must be told their port.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port free at the moment of asking.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>A port free for both UDP and TCP, for a server that listens on both, as on 3478.</summary>
    public static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeTcpPort();
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for UDP: try another.
            }
        }
    }
}
