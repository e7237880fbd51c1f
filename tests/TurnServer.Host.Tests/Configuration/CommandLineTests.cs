using TurnServer.Host.Configuration;

namespace TurnServer.Host.Tests.Configuration;

public class CommandLineTests
{
    [Fact]
    public void CoturnStyleCommandLine_IsReadUnchanged()
    {
        var line = CommandLine.Parse([
            "--listening-port=3479", "--listening-ip", "203.0.113.1", "-L", "203.0.113.2", "--relay-ip=203.0.113.1",
            "--external-ip", "198.51.100.1/203.0.113.1", "--min-port", "50000", "--max-port=50100", "--realm=example.org",
            "--user=alice:pw1", "-u", "bob:pw2", "--lt-cred-mech", "--fingerprint", "--no-tcp", "--verbose",
            "--denied-peer-ip=10.0.0.0-10.255.255.255", "--allowed-peer-ip=10.1.0.0/16", "--user-quota", "5",
            "--total-quota=100", "--stale-nonce=300", "--no-software-attribute", "--log-file", "/tmp/t.log",
        ]);

        var s = line.Settings;
        Assert.Equal("3479", s["listening-port"]);
        Assert.Equal("203.0.113.1", s["listening-ip:0"]);
        Assert.Equal("203.0.113.2", s["listening-ip:1"]);
        Assert.Equal("198.51.100.1/203.0.113.1", s["external-ip:0"]);
        Assert.Equal("alice:pw1", s["user:0"]);
        Assert.Equal("bob:pw2", s["user:1"]);
        Assert.Equal("true", s["lt-cred-mech"]);
        Assert.Equal("true", s["fingerprint"]);
        Assert.Equal("true", s["no-tcp"]);
        Assert.Equal("10.0.0.0-10.255.255.255", s["denied-peer-ip:0"]);
        Assert.Equal("/tmp/t.log", s["log-file"]);
        Assert.Null(line.ConfigFile);
        Assert.Equal(["allowed-peer-ip", "denied-peer-ip", "external-ip", "listening-ip", "relay-ip", "user"], line.ReplacedLists.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--listning-port=3478", "--listning-port")]
    [InlineData("--tls-listening-portt", "--tls-listening-portt")]
    [InlineData("-Q", "-Q")]
    public void MisspelledOptions_AreRefusedByName(string arg, string named)
    {
        var error = Assert.Throws<ConfigurationException>(() => CommandLine.Parse([arg]));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValueOptionWithoutAValue_IsRefused()
    {
        Assert.Contains("listening-port", Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["--listening-port"])).Message, StringComparison.Ordinal);
        Assert.Contains("realm", Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["--realm", "--verbose"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigFileHelpAndVersion_AreRecognised()
    {
        Assert.Equal("/etc/t.toml", CommandLine.Parse(["-c", "/etc/t.toml"]).ConfigFile);
        Assert.Equal("/etc/t.toml", CommandLine.Parse(["--config=/etc/t.toml"]).ConfigFile);
        Assert.Equal("help", CommandLine.Parse(["--help"]).Command);
        Assert.Equal("version", CommandLine.Parse(["--version"]).Command);
    }

    [Fact]
    public void FlagsTakeAnExplicitBoolean()
    {
        Assert.Equal("false", CommandLine.Parse(["--fingerprint=false"]).Settings["fingerprint"]);
        Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["--fingerprint=maybe"]));
    }
}
