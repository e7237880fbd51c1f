using System.Collections;
using System.Net;
using TurnServer.Host.Configuration;
using TurnServer.Protocol.Addressing;

namespace TurnServer.Host.Tests.Configuration;

public class ServerSettingsTests
{
    [Fact]
    public void BuiltInDefaults_ServeOn3478WithAGeneratedUser()
    {
        var settings = Read([]);
        Assert.Equal(3478, settings.ListeningPort);
        Assert.Equal([IPAddress.Any], settings.ListeningIPs);
        Assert.True(settings.Udp);
        Assert.Equal("turnserver", settings.Engine.Realm);
        Assert.Equal(49152, settings.Engine.MinRelayPort);
        Assert.Equal(65535, settings.Engine.MaxRelayPort);
        Assert.Equal(TimeSpan.FromHours(1), settings.Engine.MaxAllocationLifetime);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Engine.NonceLifetime);
        var user = Assert.Single(settings.Users);
        Assert.Equal(ServerSettings.GeneratedUserName, user.Name);
        Assert.NotNull(settings.GeneratedPassword);
        Assert.True(settings.GeneratedPassword!.Length >= 20);
        Assert.NotEqual(settings.GeneratedPassword, Read([]).GeneratedPassword);
        Assert.False(settings.Engine.PeerPolicy.AllowLoopback);
    }

    [Fact]
    public void UnauthenticatedRate_IsTwentyUnlessRaised()
    {
        Assert.Equal(20, Read([]).Engine.UnauthenticatedRequestsPerSecond);
        Assert.Equal(500, Read(["--unauthenticated-rate=500"]).Engine.UnauthenticatedRequestsPerSecond);
    }

    [Fact]
    public void ConfiguredUsers_ReplaceTheGeneratedOne()
    {
        var settings = Read(["--user=alice:pw", "--user", "bob:0x" + new string('a', 32)]);
        Assert.Equal(["alice", "bob"], settings.Users.Select(u => u.Name));
        Assert.Null(settings.GeneratedPassword);
    }

    [Fact]
    public void RestSecrets_NeedUseAuthSecret()
    {
        Assert.Empty(Read(["--static-auth-secret=x", "--user=a:b"]).AuthSecrets);
        var settings = Read(["--use-auth-secret", "--static-auth-secret=new", "--static-auth-secret=old"]);
        Assert.Equal(["new", "old"], settings.AuthSecrets);
        Assert.Null(settings.GeneratedPassword);
        Assert.Contains("static-auth-secret", Assert.Throws<ConfigurationException>(() => Read(["--use-auth-secret"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentVariables_OverrideTheFile_AndFlagsOverrideBoth()
    {
        var environment = new Hashtable { ["TURNSERVER_LISTENING_PORT"] = "4000", ["TURNSERVER_REALM"] = "env.example", ["TURNSERVER_USER__0"] = "eve:pw", ["PATH"] = "/bin" };
        var settings = Read(["--realm=flag.example"], environment);
        Assert.Equal(4000, settings.ListeningPort);
        Assert.Equal("flag.example", settings.Engine.Realm);
        Assert.Equal("eve", Assert.Single(settings.Users).Name);
    }

    [Fact]
    public void ConfigFile_IsRead_AndUnknownKeysInItAreRefusedByName()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "listening-port = 5000\nuser = [\"a:b\"]\nallow-loopback-peers = true\n");
            var settings = Read(["-c", file]);
            Assert.Equal(5000, settings.ListeningPort);
            Assert.True(settings.Engine.PeerPolicy.AllowLoopback);

            File.WriteAllText(file, "listening-port = 5000\nlistning-ip = \"1.2.3.4\"\n");
            Assert.Contains("listning-ip", Assert.Throws<ConfigurationException>(() => Read(["-c", file])).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ExternalIP_IsAdvertised_AndRelayIPIsBound()
    {
        var settings = Read(["--relay-ip=203.0.113.5", "--external-ip=198.51.100.9/203.0.113.5"]);
        var relay = Assert.Single(settings.Engine.RelayAddresses);
        Assert.Equal(TransportAddress.Parse("203.0.113.5:0"), relay.Local);
        Assert.Equal(TransportAddress.Parse("198.51.100.9:0"), relay.Advertised);
    }

    [Fact]
    public void TheServersOwnAddresses_ArePeersOnlyAtRelayPorts_UnlessLoopbackIsAllowed()
    {
        var policy = Read(["--relay-ip=203.0.113.5", "--external-ip=198.51.100.9", "-L", "203.0.113.5", "--min-port=50000", "--max-port=50100"]).Engine.PeerPolicy;
        Assert.True(policy.IsAllowed(TransportAddress.Parse("203.0.113.5:50000")));
        Assert.False(policy.IsOwnService(TransportAddress.Parse("203.0.113.5:50000")));
        Assert.True(policy.IsOwnService(TransportAddress.Parse("198.51.100.9:3478")));
        Assert.True(policy.IsOwnService(TransportAddress.Parse("203.0.113.5:50101")));
        Assert.False(policy.IsOwnService(TransportAddress.Parse("203.0.113.6:3478")));

        // With loopback allowed its other ports are peers; its listeners stay refused, by the engine.
        var open = Read(["--relay-ip=203.0.113.5", "--allow-loopback-peers"]).Engine.PeerPolicy;
        Assert.False(open.IsOwnService(TransportAddress.Parse("203.0.113.5:3478")));
        Assert.True(open.IsOwnAddress(TransportAddress.Parse("203.0.113.5:3478")));
    }

    [Fact]
    public void RelayIP_DefaultsToAConcreteListeningIP()
    {
        Assert.Equal(TransportAddress.Parse("127.0.0.1:0"), Assert.Single(Read(["-L", "127.0.0.1"]).Engine.RelayAddresses).Local);
        Assert.NotEqual(UInt128.Zero, Read([]).Engine.RelayAddressFor(StunAddressFamily.IPv4)!.Local.AddressValue);
    }

    [Fact]
    public void IPv6Listening_GivesAnIPv6Relay_AndExternalIPMapsByFamilyOrPrivateAddress()
    {
        var settings = Read(["-L", "127.0.0.1", "-L", "::1", "--external-ip=2001:db8::9/::1", "--external-ip", "198.51.100.9"]);
        Assert.Equal(TransportAddress.Parse("[::1]:0"), settings.Engine.RelayAddressFor(StunAddressFamily.IPv6)!.Local);
        Assert.Equal(TransportAddress.Parse("[2001:db8::9]:0"), settings.Engine.RelayAddressFor(StunAddressFamily.IPv6)!.Advertised);
        Assert.Equal(TransportAddress.Parse("198.51.100.9:0"), settings.Engine.RelayAddressFor(StunAddressFamily.IPv4)!.Advertised);
        Assert.Contains("external-ip", Assert.Throws<ConfigurationException>(() => Read(["-L", "127.0.0.1", "--external-ip=2001:db8::9"])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--min-port=70000", "min-port")]
    [InlineData("--max-port=2000", "max-port")]
    [InlineData("--listening-port=abc", "listening-port")]
    [InlineData("--relay-ip=not-an-ip", "relay-ip")]
    [InlineData("--denied-peer-ip=10.0.0.0/40", "denied-peer-ip")]
    [InlineData("--max-allocate-lifetime=60", "max-allocate-lifetime")]
    [InlineData("--user=nocolon", "user")]
    [InlineData("--otlp-endpoint=collector:4317", "otlp-endpoint")]
    [InlineData("--otlp-protocol=udp", "otlp-protocol")]
    [InlineData("--log-format=xml", "log-format")]
    [InlineData("--prometheus-port=70000", "prometheus-port")]
    [InlineData("--alternate-server=turn.example.org", "alternate-server")]
    [InlineData("--admin-address=localhost", "admin-address")]
    [InlineData("--unauthenticated-rate=0", "unauthenticated-rate")]
    public void InvalidValues_StopStartUpNamingTheSetting(string arg, string named)
    {
        Assert.Contains(named, Assert.Throws<ConfigurationException>(() => Read([arg])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OperationsSettings_HaveSafeDefaults_AndReadAsGiven()
    {
        var defaults = Read([]);
        Assert.Null(defaults.Monitoring);
        Assert.Null(defaults.AdminToken);
        Assert.Equal("127.0.0.1:9642", defaults.Admin.ToString());
        Assert.Null(defaults.Otlp);
        Assert.Empty(defaults.Engine.AlternateServers);

        var given = Read(["--prometheus", "--otlp-endpoint=http://collector:4318", "--otlp-protocol=http/protobuf", "--alternate-server=[2001:db8::7]:3479", "--alternate-server=192.0.2.9"]);
        Assert.Equal("127.0.0.1:9641", given.Monitoring!.ToString());
        Assert.Equal("http://collector:4318/v1/metrics", given.Otlp!.Endpoint.ToString());
        Assert.Equal(["[2001:db8::7]:3479", "192.0.2.9:3478"], given.Engine.AlternateServers.Select(a => a.ToString()));
    }

    [Fact]
    public void ListsOnTheCommandLine_ReplaceTheFilesList()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "user = [\"a:1\", \"b:2\", \"c:3\"]\n");
            Assert.Equal(["z"], Read(["-c", file, "--user=z:9"]).Users.Select(u => u.Name));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void EveryInvalidSetting_IsReportedAtOnce_EachByName()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """
                listening-port = "x"
                fingerprint = "maybe"
                listening-ip = ["300.1.1.1"]
                udp-io = "fast"
                alternate-server = "nowhere"
                max-port = 70000
                listning-ip = "1.2.3.4"
                """);
            var message = Assert.Throws<ConfigurationException>(() => Read(["-c", file])).Message;

            Assert.StartsWith("7 settings are invalid:", message, StringComparison.Ordinal);
            foreach (var expected in new[] { "unknown setting 'listning-ip'", "listening-port takes a whole number, not 'x'", "fingerprint takes true or false, not 'maybe'", "listening-ip '300.1.1.1' is not an IP address", "udp-io takes batched or portable, not 'fast'", "alternate-server 'nowhere'", "max-port" })
            {
                Assert.Contains(expected, message, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void OneInvalidSetting_IsReportedAlone()
    {
        Assert.Equal("log-format takes plain or json, not 'xml'", Assert.Throws<ConfigurationException>(() => Read(["--log-format=xml"])).Message);
    }

    private static ServerSettings Read(string[] args, IDictionary? environment = null) =>
        ServerSettings.Read(ConfigurationLoader.Load(CommandLine.Parse(args), environment ?? new Hashtable()));
}
