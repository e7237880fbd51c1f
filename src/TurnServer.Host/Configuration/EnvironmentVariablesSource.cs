using System.Collections;
using Microsoft.Extensions.Configuration;

namespace TurnServer.Host.Configuration;

/// <summary>
/// TURNSERVER_LISTENING_PORT=3479 sets listening-port; TURNSERVER_USER__0=alice:pw sets the first user.
/// Environment variable names cannot hold '-', so '_' stands for it and '__' separates list indexes.
/// </summary>
internal sealed class EnvironmentVariablesSource(IDictionary variables) : IConfigurationSource
{
    public const string Prefix = "TURNSERVER_";

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(variables);

    private sealed class Provider(IDictionary variables) : ConfigurationProvider
    {
        public override void Load()
        {
            foreach (DictionaryEntry entry in variables)
            {
                var name = (string)entry.Key;
                if (name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && name.Length > Prefix.Length)
                {
                    var key = name[Prefix.Length..].ToLowerInvariant().Replace("__", ":", StringComparison.Ordinal).Replace('_', '-');
                    Data[key] = entry.Value as string;
                }
            }
        }
    }
}
