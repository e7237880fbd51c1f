using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TurnServer.Client.Connections;
using TurnServer.Client.Turn;

namespace TurnServer.TurnUtil.Commands;

/// <summary>
/// <c>turnutil turn-probe turn:HOST[:PORT][?transport=udp|tcp] (--user U --password P | --secret S [--user ID])</c>:
/// allocates, relays a few packets to itself through the server (a local socket plays the peer:
/// it sends to the relayed address, the client answers each), releases, and reports each step's time.
/// </summary>
internal static class TurnProbeCommand
{
    private const int Packets = 5;
    private const string Usage = "turnutil turn-probe turn:HOST[:PORT][?transport=udp|tcp] | turns:HOST[:PORT] (--user USER --password PASSWORD | --secret SECRET [--user ID]) [--insecure]";

    public static async Task<int> RunAsync(Arguments args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 1)
        {
            throw new UsageException(Usage);
        }

        var uri = TurnUri.Parse(args.Positional[0]);
        var credentials = args.Value("secret") is { } secret
            ? TurnCredentials.FromSharedSecret(secret, args.Value("user"), TimeSpan.FromHours(1))
            : args.Value("user") is { } user && args.Value("password") is { } password ? new TurnCredentials(user, password) : throw new UsageException(Usage);

        output.WriteLine($"turn-probe {args.Positional[0]} as {credentials.Username}");
        var step = "resolve";
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var server = await ServerAddress.ResolveAsync($"{uri.Host}:{uri.Port}", uri.Port, cancellationToken).ConfigureAwait(false);
            Report(output, step, $"{server} over {uri.Transport.ToString().ToUpperInvariant()}", stopwatch);

            step = "allocate";
            stopwatch.Restart();
            var options = new TurnClientOptions(server, credentials)
            {
                Transport = uri.Transport,
                Tls = new TlsClientOptions { TargetHost = uri.Host, CertificateValidation = args.Flag("insecure") ? Insecure.Tls.CertificateValidation : null },
                Retransmission = new Client.Stun.RetransmissionPolicy(TimeSpan.FromMilliseconds(500), 5, 4),
            };
            var client = await TurnClient.AllocateAsync(options, cancellationToken).ConfigureAwait(false);
            await using (client.ConfigureAwait(false))
            {
                Report(output, step, $"relayed {client.RelayedEndPoint}, you are {client.MappedEndPoint}", stopwatch);

                step = "permission";
                stopwatch.Restart();
                await client.CreatePermissionAsync(client.MappedEndPoint.Address, cancellationToken).ConfigureAwait(false);
                Report(output, step, client.MappedEndPoint.Address.ToString(), stopwatch);

                step = "relay";
                var roundTrips = await RelayToItselfAsync(client, cancellationToken).ConfigureAwait(false);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-11} {Packets}/{Packets} packets round trip through the relay, rtt avg {roundTrips.Average():F1} ms, max {roundTrips.Max():F1} ms"));

                step = "release";
                stopwatch.Restart();
            }

            Report(output, step, string.Empty, stopwatch);
            output.WriteLine("OK: the TURN server allocates and relays");
            return 0;
        }
        catch (Exception e) when (e is TurnException or TimeoutException or IOException or SocketException or OperationCanceledException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
        {
            output.WriteLine($"FAILED at {step}: {e.Message}{Hint(e)}");
            return 1;
        }
    }

    /// <summary>A local socket sends to the relayed address; the client answers each packet back to where it came from.</summary>
    private static async Task<List<double>> RelayToItselfAsync(TurnClient client, CancellationToken cancellationToken)
    {
        using var peer = new Socket(client.RelayedEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(client.RelayedEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        var buffer = new byte[1500];
        var roundTrips = new List<double>();
        for (var i = 0; i < Packets; i++)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(3));
            var ping = BitConverter.GetBytes(i);
            var sent = Stopwatch.GetTimestamp();
            await peer.SendToAsync(ping, client.RelayedEndPoint, wait.Token).ConfigureAwait(false);
            var received = await client.ReceiveFromAsync(buffer, wait.Token).ConfigureAwait(false);
            await client.SendToAsync(received.RemoteEndPoint, buffer.AsMemory(0, received.ReceivedBytes), wait.Token).ConfigureAwait(false);
            var back = await peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), wait.Token).ConfigureAwait(false);
            if (!buffer.AsSpan(0, back.ReceivedBytes).SequenceEqual(ping))
            {
                throw new IOException($"packet {i} came back changed");
            }

            roundTrips.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }

        return roundTrips;
    }

    private static void Report(TextWriter output, string step, string detail, Stopwatch stopwatch) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-11} {detail,-56} {stopwatch.Elapsed.TotalMilliseconds,8:F1} ms"));

    private static string Hint(Exception e) => e switch
    {
        TurnException { ErrorCode: 401 } => " (wrong user, password or secret, or a different realm)",
        TurnException { ErrorCode: 403 } => " (the server refuses this peer address: probing from the server itself, or a peer rule)",
        TurnException { ErrorCode: 486 } => " (the user has all the allocations its quota allows)",
        TurnException { ErrorCode: 508 } => " (the server is out of relay ports, or draining)",
        TimeoutException or OperationCanceledException => " (no answer: is the port open in the firewall, and the server up?)",
        _ => string.Empty,
    };
}
