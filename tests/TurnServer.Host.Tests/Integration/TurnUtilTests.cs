using System.Globalization;
using TurnServer.Host.Tests.Interop;

namespace TurnServer.Host.Tests.Integration;

/// <summary>turnutil, run as an operator would, against our server (and coturn's): output and exit status.</summary>
[Collection(SequentialCollection.Name)]
public sealed class TurnUtilTests : IAsyncLifetime, IDisposable
{
    private static readonly string TurnUtil = Path.Combine(AppContext.BaseDirectory, "turnutil.dll");

    private readonly TestCertificate _certificate = new();
    private ServerFixture _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerFixture.StartAsync("-L", "127.0.0.2", $"--cert={_certificate.CertificatePath}", $"--pkey={_certificate.KeyPath}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _certificate.Dispose();

    [Fact]
    public async Task StunProbe_ReportsEachServer_AndFailsWhenOneIsDead()
    {
        var dead = $"127.0.0.1:{ExternalTool.FreeUdpPort()}";
        var (exit, output) = await Run("stun-probe", _server.EndPoint.ToString(), dead);

        Assert.Equal(1, exit);
        Assert.Matches(@"127\.0\.0\.1:\d+ +mapped 127\.0\.0\.1:\d+ +rtt +[\d.]+ ms +\(RFC 5780, other address 127\.0\.0\.2:\d+\)", output);
        Assert.Contains($"{dead}", output, StringComparison.Ordinal);
        Assert.Contains("no answer", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NatType_OnLoopback_IsOpenInternet_FoundByRfc5780()
    {
        var (exit, output) = await Run("nat-type", "--server", _server.EndPoint.ToString());

        Assert.True(exit == 0, output);
        Assert.Matches("method +rfc5780", output);
        Assert.Matches("mapping +endpoint-independent", output);
        Assert.Matches("filtering +endpoint-independent", output);
        Assert.Matches("NAT type +open-internet", output);
    }

    [Theory]
    [InlineData("turn:{0}", "--user", ServerFixture.User, "--password", ServerFixture.Password)]
    [InlineData("turn:{1}?transport=tcp", "--secret", ServerFixture.Secret, "--user", "carol")]
    [InlineData("turns:localhost:{2}", "--user", ServerFixture.User, "--password", ServerFixture.Password, "--insecure")]
    public async Task TurnProbe_AllocatesRelaysAndReleases(string uri, params string[] credentials)
    {
        var (exit, output) = await Run(["turn-probe", Uri(uri), .. credentials]);

        Assert.True(exit == 0, output);
        Assert.Contains("5/5 packets round trip through the relay", output, StringComparison.Ordinal);
        Assert.Contains("OK: the TURN server allocates and relays", output, StringComparison.Ordinal);
        Assert.Equal(0, _server.Engine.Allocations.Count);
    }

    [Fact]
    public async Task TurnProbe_WithAWrongPassword_SaysWhereAndWhy()
    {
        var (exit, output) = await Run("turn-probe", Uri("turn:{0}"), "--user", ServerFixture.User, "--password", "wrong");

        Assert.Equal(1, exit);
        Assert.Contains("FAILED at allocate: Allocate refused: 401", output, StringComparison.Ordinal);
    }

    [RequiresToolFact("turnserver", "coturn")]
    public async Task TurnProbe_AgainstCoturn_Works()
    {
        await using var coturn = await CoturnServer.StartAsync(_certificate.CertificatePath, _certificate.KeyPath);
        var (exit, output) = await Run("turn-probe", $"turn:{coturn.EndPoint}", "--user", CoturnServer.User, "--password", CoturnServer.Password);

        Assert.True(exit == 0, output);
    }

    [Theory]
    [InlineData("probe-everything")]
    [InlineData("turn-probe", "http://example.org")]
    [InlineData("stun-probe", "--transport", "sctp", "127.0.0.1")]
    public async Task WrongCommandLines_Exit2(params string[] args)
    {
        var (exit, _) = await Run(args);

        Assert.Equal(2, exit);
    }

    private string Uri(string template) => string.Format(CultureInfo.InvariantCulture, template, _server.EndPoint, _server.TcpEndPoint, _server.TlsEndPoint.Port);

    private static Task<(int ExitCode, string Output)> Run(params string[] args) =>
        ExternalTool.RunAsync(ExternalTool.Dotnet, [TurnUtil, .. args], TimeSpan.FromSeconds(60));
}
