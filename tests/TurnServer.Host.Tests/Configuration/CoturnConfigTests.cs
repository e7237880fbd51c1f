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
        var uncommented = string.Join('\n', File.ReadAllLines(Example)
            .Where(line => System.Text.RegularExpressions.Regex.IsMatch(line, "^#[a-z]"))
            .Select(line => line[1..]));
        var options = uncommented.Split('\n').Length;

        var config = CoturnConfig.Parse(uncommented);
        var toml = config.ToToml(Example);

        Assert.Equal(options, config.Converted.Values.Sum(v => v.Count) + config.AlwaysSoHere.Count + config.Unsupported.Count + Overwritten(uncommented, config));
        Assert.True(config.Converted.Count >= 25, $"only {config.Converted.Count} options converted");
        var parsed = new ConfigurationBuilder().AddTomlStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(toml))).Build();
        Assert.Equal(config.Converted["realm"][0], parsed["realm"]);
    }

    /// <summary>Single-value options given twice keep the last, as coturn does.</summary>
    private static int Overwritten(string text, CoturnConfig config) =>
        text.Split('\n')
            .Select(line => CoturnConfig.Parse(line).Converted.Keys.FirstOrDefault())
            .Where(name => name is not null && ConfigurationKeys.All[name] != ConfigurationKeys.Kind.List)
            .GroupBy(name => name!, StringComparer.OrdinalIgnoreCase)
            .Sum(group => group.Count() - 1);
}
