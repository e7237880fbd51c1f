namespace TurnServer.Host.Hosting;

/// <summary>
/// .NET hands each socket completion from its epoll thread to the thread pool. For a relay, whose
/// per-datagram work is short and never blocks, that hop is most of the cost: running completions on
/// the epoll threads halved the server's CPU per relayed packet (19 to 9.5 µs, turnload, 10 clients
/// flooding) and raised its throughput from 26,000 to 44,000 packets a second each way. The runtime
/// reads the switch once, from the environment, when the first socket is made, so it is set before
/// that; an operator's own DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS (0 to turn it off) wins.
/// The price: code that blocked in a socket continuation would stall every socket on its epoll
/// thread. The server's never does. The Host tests' own code does (synchronous socket calls after
/// awaits), so the servers they start in-process keep the default; the executable's tests, and
/// turnutils and Chromium against it by hand, run with the switch on.
/// </summary>
internal static class InlineSocketCompletions
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void EnableUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
