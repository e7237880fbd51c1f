using System.Globalization;
using TurnServer.Client.Connections;
using TurnServer.Client.Stun;

namespace TurnServer.TurnUtil.Commands;

/// <summary><c>turnutil stun-probe HOST[:PORT]... [--transport udp|tcp|tls]</c>: each server's view of this host's address, and the round trip.</summary>
internal static class StunProbeCommand
{
    /// <summary>Four sends over 5.5 s rather than RFC 8489's seven over 39.5 s: a person is waiting.</summary>
    private static readonly RetransmissionPolicy Quick = new(TimeSpan.FromMilliseconds(500), 4, 4);

    public static async Task<int> RunAsync(Arguments args, TextWriter output, CancellationToken cancellationToken)
    {
        var transport = args.Transport("transport");
        if (args.Positional.Count == 0)
        {
            throw new UsageException("turnutil stun-probe HOST[:PORT]... [--transport udp|tcp|tls] [--insecure]");
        }

        var options = new StunClientOptions { Tls = args.Flag("insecure") ? Insecure.Tls : null, Retransmission = Quick };
        var failed = 0;
        foreach (var server in args.Positional)
        {
            try
            {
                var endPoint = await ServerAddress.ResolveAsync(server, transport == ClientTransport.Tls ? 5349 : 3478, cancellationToken).ConfigureAwait(false);
                var answer = await StunClient.BindingAsync(endPoint, transport, options, cancellationToken).ConfigureAwait(false);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{server,-28} mapped {answer.Mapped,-24} rtt {answer.RoundTrip.TotalMilliseconds,7:F1} ms{(answer.OtherAddress is { } other ? $"  (RFC 5780, other address {other})" : string.Empty)}"));
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException or InvalidDataException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
            {
                failed++;
                output.WriteLine($"{server,-28} no answer: {e.Message}");
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
