using TurnServer.TurnUtil;
using TurnServer.TurnUtil.Commands;

const string Usage = """
    turnutil: answers to an operator's first questions.

      turnutil stun-probe HOST[:PORT]... [--transport udp|tcp|tls] [--insecure]
          each server's view of this host's address, and the round trip
      turnutil nat-type [--server HOST[:PORT]] [--second HOST[:PORT]]
          mapping and filtering behaviour (RFC 5780), the classic NAT type, the public address
      turnutil turn-probe turn:HOST[:PORT][?transport=udp|tcp] | turns:HOST[:PORT]
                          (--user USER --password PASSWORD | --secret SECRET [--user ID]) [--insecure]
          allocates, relays packets to itself through the server, releases: does my TURN server work?

    Exit status: 0 when everything asked worked, 1 when something did not, 2 for a wrong command line.
    """;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return args.FirstOrDefault() switch
    {
        "stun-probe" => await StunProbeCommand.RunAsync(new Arguments(args.Skip(1), "transport", "insecure"), Console.Out, cancel.Token),
        "nat-type" => await NatTypeCommand.RunAsync(new Arguments(args.Skip(1), "server", "second"), Console.Out, cancel.Token),
        "turn-probe" => await TurnProbeCommand.RunAsync(new Arguments(args.Skip(1), "user", "password", "secret", "insecure"), Console.Out, cancel.Token),
        "--help" or "-h" or "help" => Help(),
        _ => throw new UsageException(Usage),
    };
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

static int Help()
{
    Console.WriteLine(Usage);
    return 0;
}
