using TurnServer.Host.Configuration;
using TurnServer.Relay.Options;

namespace TurnServer.Host.Tests.Configuration;

/// <summary>The engine names its options by property; the operator reads the keys they wrote.</summary>
public class EngineSettingKeysTests
{
    [Fact]
    public void A_refusal_is_told_in_configuration_keys()
    {
        var refusal = new InvalidOptionsException(["Realm", "MaxRelayPort", TurnServerOptions.AdvertisedRelayAddresses], "take effect only on a restart");

        Assert.Equal("realm, max-port, external-ip take effect only on a restart.", EngineSettingKeys.Describe(refusal));
    }

    [Fact]
    public void Every_key_it_names_is_a_setting_the_server_reads()
    {
        Assert.All(EngineSettingKeys.Keys, key => Assert.True(ConfigurationKeys.All.ContainsKey(key), key));
    }

    [Fact]
    public void An_invalid_engine_option_from_the_command_line_is_reported_by_its_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => ServerSettings.Read(ConfigurationLoader.Load(CommandLine.Parse(["--min-port=50000", "--max-port=49999"]), new Dictionary<string, string>())));

        Assert.Equal("max-port must be between the lowest relay port and 65535.", error.Message);
    }
}
