using BenchmarkDotNet.Running;
using TurnServer.Benchmarks.Logging;

return args is ["logging", .. var rest]
    ? LogWriterComparison.Run(rest)
    : Run(args);

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LogWriterComparison).Assembly).Run(args);
    return 0;
}
