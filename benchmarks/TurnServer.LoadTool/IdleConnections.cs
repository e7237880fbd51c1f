using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using TurnServer.Protocol.Stun;

namespace TurnServer.LoadTool;

/// <summary>
/// What an idle TCP or TLS connection costs the server: N connections each send one Binding (so the
/// TLS handshake is done and the server has read from it) and then say nothing while the server's
/// resident memory is read.
/// </summary>
internal static class IdleConnections
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(LoadOptions options, ServerProcess server)
    {
        var before = server.ResidentBytes();
        var streams = new List<Stream>(options.Clients);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(20 * options.Clients));
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Clients), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = deadline.Token }, async (_, token) =>
            {
                var stream = await ConnectAsync(options, token).ConfigureAwait(false);
                lock (streams)
                {
                    streams.Add(stream);
                }
            });

            await Task.Delay(Settle).ConfigureAwait(false);
            var after = server.ResidentBytes();
            string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine($"{"server",-30} {options.Server} over {options.Transport.ToUpperInvariant()}, idle connections");
            Console.WriteLine($"{"idle connections",-30} {streams.Count}");
            Console.WriteLine($"{"server RSS before MiB",-30} {F(before / 1048576.0)}");
            Console.WriteLine($"{"server RSS idle MiB",-30} {F(after / 1048576.0)}");
            Console.WriteLine($"{"server RSS per connection KiB",-30} {F((after - before) / 1024.0 / streams.Count)}");
            return 0;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            Console.Error.WriteLine($"turnload: connecting failed after {streams.Count} connections: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<Stream> ConnectAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(options.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(options.Server, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (options.Transport == "tls")
        {
            // A load tool measures the server, not its certificate: any is accepted.
#pragma warning disable CA5359
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
#pragma warning restore CA5359
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "turnload" }, cancellationToken).ConfigureAwait(false);
            stream = tls;
        }

        var request = new byte[StunConstants.HeaderLength];
        var writer = new StunMessageWriter(request, new StunMessageType(StunMethod.Binding, StunClass.Request), TransactionId.NewRandom());
        await stream.WriteAsync(request.AsMemory(0, writer.Written.Length), cancellationToken).ConfigureAwait(false);
        var response = new byte[256];
        var read = 0;
        while (read < StunConstants.HeaderLength || read < StunConstants.HeaderLength + ((response[2] << 8) | response[3]))
        {
            var n = await stream.ReadAsync(response.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the server closed the connection before answering the Binding");
            }

            read += n;
        }

        return stream;
    }
}
