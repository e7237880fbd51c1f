using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using TurnServer.Client.Discovery;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// Our NAT behaviour discovery and coturn's turnutils_natdiscovery, run against the same RFC 5780
/// server (ours, and coturn's), find the same mapping and filtering behaviour. On loopback that is
/// endpoint-independent both ways; the NAT lab varies it.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed partial class NatDiscoveryAgreementTests : IDisposable
{
    private const string Tool = "turnutils_natdiscovery";
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    [RequiresToolFact(Tool, "coturn")]
    public async Task AgainstOurServer_WeAndTurnutilsAgree()
    {
        await using var server = await ServerFixture.StartAsync("-L", "127.0.0.2");
        await AssertAgreementAsync(server.EndPoint);
    }

    [RequiresToolFact(Tool, "coturn")]
    public async Task AgainstCoturn_WeAndTurnutilsAgree()
    {
        await using var coturn = await CoturnServer.StartAsync(_certificate.CertificatePath, _certificate.KeyPath, "--listening-ip=127.0.0.2");
        await AssertAgreementAsync(coturn.EndPoint);
    }

    private static async Task AssertAgreementAsync(IPEndPoint server)
    {
        var ours = await NatDiscovery.DiscoverAsync(server);
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require(Tool, "coturn"),
            ["-m", "-f", "-H", server.Address.ToString(), "-p", server.Port.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));

        var context = $"ours: {ours}\n{Tool} (exit {exit}):\n{output}";
        Assert.True(exit == 0, context);
        Assert.Equal(DiscoveryMethod.Rfc5780, ours.Method);
        Assert.Equal(Behaviour(MappingLine().Match(output)), Spelled(ours.Mapping.ToString()));
        Assert.Equal(Behaviour(FilteringLine().Match(output)), Spelled(ours.Filtering.ToString()));
    }

    private static string Behaviour(Match match) => match.Success ? Spelled(match.Groups[1].Value) : "not reported";

    /// <summary>"Address and Port Dependent" and AddressAndPortDependent alike become "addressandportdependent".</summary>
    private static string Spelled(string behaviour) => behaviour.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    [GeneratedRegex(@"NAT with (.+?) Mapping!")]
    private static partial Regex MappingLine();

    [GeneratedRegex(@"NAT with (.+?) Filtering!")]
    private static partial Regex FilteringLine();
}
