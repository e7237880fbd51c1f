using System.Globalization;

namespace TurnServer.LoadTool;

/// <summary>The measured server's CPU time and memory, read from /proc (Linux).</summary>
internal sealed class ServerProcess(int pid)
{
    // USER_HZ: /proc/<pid>/stat counts CPU time in these ticks on every Linux architecture in use.
    private const double TicksPerSecond = 100;

    public int Pid { get; } = pid;

    /// <summary>User and system time together.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    public long ResidentBytes() => StatusKib("VmRSS:") * 1024;

    public long PeakResidentBytes() => StatusKib("VmHWM:") * 1024;

    private long StatusKib(string field)
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
