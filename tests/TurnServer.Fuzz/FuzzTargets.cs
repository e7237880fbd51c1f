using Microsoft.Extensions.Configuration;
using TurnServer.Host.Configuration;
using TurnServer.Protocol.Tests.Fuzzing;
using TurnServer.Relay.Tests.Fuzzing;
using TurnServer.Toml;

namespace TurnServer.Fuzz;

/// <summary>
/// What AFL++ can fuzz, by name. Each target takes one input and throws only on a finding: an input
/// a reader should refuse is refused with the error it documents, which is caught here.
/// </summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyList<string> Names = ["stun-reader", "stream-framer", "dispatch", "toml", "coturn-config"];

    public static Action<byte[]> Create(string name) => name switch
    {
        "stun-reader" => ReaderTarget.ReadEverything,
        "stream-framer" => StreamFramerTarget.Frame,
        "dispatch" => new DispatchTarget().Run,
        "toml" => ReadToml,
        "coturn-config" => ReadCoturnConfig,
        _ => throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>turnserver.toml as the server reads it: parsed, laid out as keys, then read as settings.</summary>
    private static void ReadToml(byte[] input)
    {
        IConfiguration configuration;
        try
        {
            using var stream = new MemoryStream(input);
            configuration = new ConfigurationBuilder().AddTomlStream(stream).Build();
        }
        catch (Tomlyn.TomlException)
        {
            return;
        }
        catch (FormatException)
        {
            // Two keys that meet in one configuration key, through a ':' in a key.
            return;
        }

        ReadSettings(configuration);
    }

    /// <summary>coturn's turnserver.conf as the server reads it, and as migrate-config writes it out.</summary>
    private static void ReadCoturnConfig(byte[] input)
    {
        var coturn = CoturnConfig.Parse(System.Text.Encoding.UTF8.GetString(input));
        coturn.ToToml("fuzz.conf");
        ReadSettings(new ConfigurationBuilder().AddInMemoryCollection(coturn.ToConfiguration()).Build());
    }

    private static void ReadSettings(IConfiguration configuration)
    {
        try
        {
            ServerSettings.Read(configuration);
        }
        catch (ConfigurationException)
        {
        }
    }
}
