using TurnServer.Client.Discovery;
using TurnServer.Client.Stun;

namespace TurnServer.TurnUtil.Commands;

/// <summary><c>turnutil nat-type [--server HOST[:PORT]] [--second HOST[:PORT]]</c>: RFC 5780 NAT behaviour discovery.</summary>
internal static class NatTypeCommand
{
    /// <summary>Shorter than RFC 8489's 39.5 s, since the filtering tests expect some requests to go unanswered.</summary>
    private static readonly RetransmissionPolicy Probing = new(TimeSpan.FromMilliseconds(300), 4, 4);

    public static async Task<int> RunAsync(Arguments args, TextWriter output, CancellationToken cancellationToken)
    {
        var server = await ServerAddress.ResolveAsync(args.Value("server") ?? DefaultServers.Stun[0], 3478, cancellationToken).ConfigureAwait(false);
        var second = args.Value("second") is { } text ? await ServerAddress.ResolveAsync(text, 3478, cancellationToken).ConfigureAwait(false) : null;
        var result = await NatDiscovery.DiscoverAsync(server, second, Probing, cancellationToken).ConfigureAwait(false);

        output.WriteLine($"server           {server}{(second is null ? string.Empty : $", {second}")}");
        output.WriteLine($"method           {Spelled(result.Method)}");
        output.WriteLine($"public address   {result.PublicEndPoint?.ToString() ?? "none (no answer)"}");
        output.WriteLine($"behind a NAT     {(result.PublicEndPoint is null ? "unknown" : result.BehindNat ? "yes" : "no")}");
        output.WriteLine($"mapping          {Spelled(result.Mapping)}");
        output.WriteLine($"filtering        {Spelled(result.Filtering)}");
        output.WriteLine($"hairpinning      {(result.Hairpinning is { } hairpin ? (hairpin ? "yes" : "no") : "not tested")}");
        output.WriteLine($"NAT type         {Spelled(result.Type)}");
        return result.Type == NatType.UdpBlocked ? 1 : 0;
    }

    /// <summary>EndpointIndependent as "endpoint-independent".</summary>
    private static string Spelled<T>(T value)
        where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
