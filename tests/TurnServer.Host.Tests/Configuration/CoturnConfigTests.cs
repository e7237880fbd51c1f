using Microsoft.Extensions.Configuration;
using TurnServer.Host.Configuration;
using TurnServer.Host.Tests.Interop;
using TurnServer.Toml;

namespace TurnServer.Host.Tests.Configuration;

public sealed class CoturnConfigTests
{
    private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "Configuration", "coturn-sample.conf");

    [Fact]
    public void SharedOptions_AreConverted_TheRestListedByLine()
    {
        var config = CoturnConfig.Parse(File.ReadAllText(Sample));

        Assert.Equal(["alice:correct-horse", "bob:0x0123456789abcdef0123456789abcdef"], config.Converted["user"]);
        Assert.Equal(["north-wind-secret"], config.Converted["static-auth-secret"]);
        Assert.Equal(["true"], config.Converted["verbose"]);
        Assert.Equal(["5349"], config.Converted["tls-listening-port"]);
        Assert.Equal(["ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"], config.Converted["cipher-list"]);
        Assert.Equal(["no-multicast-peers", "no-cli", "no-tlsv1", "no-tlsv1_1"], config.AlwaysSoHere);
        Assert.Equal([(28, "pidfile"), (29, "syslog")], config.Unsupported.Select(u => (u.Line, u.Option)));
    }

    [Fact]
    public void ConvertedToml_ReadsBackToTheSameSettings()
    {
        var coturn = CoturnConfig.Parse(File.ReadAllText(Sample));
        var fromToml = new ConfigurationBuilder().AddTomlStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(coturn.ToToml("coturn-sample.conf")))).Build();

        var settings = ServerSettings.Read(fromToml);
        Assert.Equal("turn.example.org", settings.Engine.Realm);
        Assert.Equal(2, settings.Users.Count);
        Assert.Equal(["north-wind-secret"], settings.AuthSecrets);
        Assert.Equal((49160, 49200), (settings.Engine.MinRelayPort, settings.Engine.MaxRelayPort));
        Assert.Equal(100, settings.Engine.TotalQuota);
        Assert.Equal("203.0.113.10", settings.Engine.RelayAddresses[0].AdvertisedOrLocal.ToIPAddress().ToString());
        Assert.NotNull(settings.Monitoring);
        Assert.True(settings.Verbose);
    }

    [Fact]
    public void DirectMapping_GivesTheKeysTheMigratedTomlWouldGive()
    {
        var coturn = CoturnConfig.Parse(File.ReadAllText(Sample));
        var fromToml = new ConfigurationBuilder().AddTomlStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(coturn.ToToml("coturn-sample.conf")))).Build();

        var direct = coturn.ToConfiguration();

        Assert.Equal(
            fromToml.AsEnumerable().Where(pair => pair.Value is not null).OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase),
            direct.OrderBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase));
        Assert.Contains(direct, pair => pair.Key == "user:1");
    }

    [Theory]
    [InlineData("realm mycompany.org", "realm", "mycompany.org")]
    [InlineData("  min-port = 50000  ", "min-port", "50000")]
    [InlineData("--fingerprint", "fingerprint", "true")]
    [InlineData("fingerprint=false", "fingerprint", "false")]
    [InlineData("static-auth-secret=a=b==", "static-auth-secret", "a=b==")]
    public void LineForms_AreRead(string line, string option, string value) =>
        Assert.Equal([value], CoturnConfig.Parse(line).Converted[option]);

    [Theory]
    [InlineData("fingerprint=maybe")]
    [InlineData("realm=")]
    [InlineData("user")]
    public void UnreadableValues_AreListed_NotGuessed(string line)
    {
        var config = CoturnConfig.Parse(line);

        Assert.Empty(config.Converted);
        Assert.Single(config.Unsupported);
    }

    /// <summary>Debian's coturn ships its annotated example; with every option switched on, each is converted or listed.</summary>
    [RequiresToolFact("turnserver", "coturn")]
    public void CoturnsOwnExample_EveryOptionIsAccountedFor()
    {
        const string Example = "/usr/share/doc/coturn/examples/etc/turnserver.conf";
        var config = EveryOptionSwitchedOn(File.ReadAllText(Example));
        var toml = config.ToToml(Example);
        var parsed = new ConfigurationBuilder().AddTomlStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(toml))).Build();
        Assert.Equal(config.Converted["realm"][0], parsed["realm"]);
    }

    [Theory]
    [InlineData("rfc5780", "no-rfc5780", "false")]
    [InlineData("rfc5780=false", "no-rfc5780", "true")]
    [InlineData("dtls", "no-dtls", "false")]
    [InlineData("log-min-level=debug", "verbose", "true")]
    [InlineData("log-min-level=info", "verbose", "false")]
    [InlineData("unauthorized-ratelimit-rps=10", "unauthenticated-rate", "10")]
    public void Coturn417Options_MapOntoOurs(string line, string option, string value) =>
        Assert.Equal([value], CoturnConfig.Parse(line).Converted[option]);

    [Theory]
    [InlineData("stateless-nonce")]
    [InlineData("udp-recvmmsg")]
    [InlineData("rfc5766-channel-numbers")]
    [InlineData("stun-backward-compatibility")]
    [InlineData("allocation-default-address-family=\"ipv4\"")]
    [InlineData("unauthorized-ratelimit")]
    public void Coturn417Options_ThatAskForWhatIsAlwaysSo_AreNoted(string line) =>
        Assert.Single(CoturnConfig.Parse(line).AlwaysSoHere);

    [Theory]
    [InlineData("stateless-nonce=false", "cannot be turned off")]
    [InlineData("udp-recvmmsg=false", "cannot be turned off")]
    [InlineData("no-stun-backward-compatibility", "RFC 3489")]
    [InlineData("allocation-default-address-family=ipv6", "RFC 6156")]
    [InlineData("log-min-level=error", "only debug")]
    public void Coturn417Options_WeCannotHonour_AreListedWithTheReason(string line, string reason) =>
        Assert.Contains(reason, Assert.Single(CoturnConfig.Parse(line).Unsupported).Why, StringComparison.Ordinal);

    /// <summary>Upstream 4.17.1's annotated example, from the tarball in ../shared/anchors, with every option switched on.</summary>
    [Fact]
    public async Task Coturn417sExample_EveryOptionIsAccountedFor_AndItsNewOnesWeHaveAreMapped()
    {
        var tarball = Testing.SharedData.PathOf("anchors/coturn-4.17.1.tar.gz");
        var (exit, example) = await ExternalTool.RunAsync("tar", ["-xzOf", tarball, "coturn-4.17.1/examples/etc/turnserver.conf"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);

        var config = EveryOptionSwitchedOn(example);

        Assert.Equal(["true"], config.Converted["no-dtls"]); // "dtls", then "no-dtls": the last one counts, as in coturn
        Assert.Contains("allocation-default-address-family", config.AlwaysSoHere);
        var unsupported = config.Unsupported.Select(u => u.Option).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("dtls", unsupported);
        Assert.DoesNotContain("log-min-level", unsupported);
        Assert.DoesNotContain("allocation-default-address-family", unsupported);
        Assert.DoesNotContain("unauthorized-ratelimit", unsupported);
        Assert.DoesNotContain("unauthorized-ratelimit-rps", unsupported);
    }

    /// <summary>An annotated example with each commented-out option line switched on, parsed; every line must be accounted for.</summary>
    private static CoturnConfig EveryOptionSwitchedOn(string example)
    {
        var uncommented = string.Join('\n', example.Split('\n')
            .Where(line => System.Text.RegularExpressions.Regex.IsMatch(line, "^#[a-z]"))
            .Select(line => line[1..].TrimEnd('\r')));
        var config = CoturnConfig.Parse(uncommented);

        Assert.Equal(uncommented.Split('\n').Length, config.Converted.Values.Sum(v => v.Count) + config.AlwaysSoHere.Count + config.Unsupported.Count + Overwritten(uncommented, config));
        Assert.True(config.Converted.Count >= 25, $"only {config.Converted.Count} options converted");
        return config;
    }

    /// <summary>Single-value options given twice keep the last, as coturn does.</summary>
    private static int Overwritten(string text, CoturnConfig config) =>
        text.Split('\n')
            .Select(line => CoturnConfig.Parse(line).Converted.Keys.FirstOrDefault())
            .Where(name => name is not null && ConfigurationKeys.All[name] != ConfigurationKeys.Kind.List)
            .GroupBy(name => name!, StringComparer.OrdinalIgnoreCase)
            .Sum(group => group.Count() - 1);
}
