using TurnServer.Client.Connections;

namespace TurnServer.TurnUtil;

/// <summary>A command's words: positional ones, and --name value / --name=value / --flag options.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known;

    public Arguments(IEnumerable<string> args, params string[] known)
    {
        _known = [.. known];
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (!_known.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }

            _options[name] = equals > 0 ? arg[(equals + 1)..] : i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) && !IsFlag(name) ? list[++i] : null;
        }
    }

    public List<string> Positional { get; } = [];

    public string? Value(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _options.ContainsKey(name);

    public ClientTransport Transport(string name) => Value(name) switch
    {
        null or "udp" => ClientTransport.Udp,
        "tcp" => ClientTransport.Tcp,
        "tls" => ClientTransport.Tls,
        var other => throw new UsageException($"--{name} takes udp, tcp or tls, not '{other}'"),
    };

    /// <summary>Options that take no value.</summary>
    private static bool IsFlag(string name) => name is "insecure";
}

/// <summary>The command line is wrong: say how it should be.</summary>
internal sealed class UsageException(string message) : Exception(message);
