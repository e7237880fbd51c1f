using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using TurnServer.Protocol.Addressing;
using TurnServer.Relay.Policy;

namespace TurnServer.Host.Configuration;

/// <summary>
/// Typed values from the layered configuration. A value that does not parse is noted, with the
/// setting it came from, and its default is used so that reading goes on: an operator hears of
/// every invalid setting in one go rather than one per start.
/// </summary>
internal sealed class SettingsReader(IConfiguration configuration)
{
    private readonly List<string> _problems = [];

    /// <summary>Throws one <see cref="ConfigurationException"/> naming every problem noted, if there was any.</summary>
    public void ThrowIfInvalid()
    {
        if (_problems.Count == 1)
        {
            throw new ConfigurationException(_problems[0]);
        }

        if (_problems.Count > 1)
        {
            throw new ConfigurationException($"{_problems.Count} settings are invalid:\n  " + string.Join("\n  ", _problems));
        }
    }

    /// <summary>Notes a problem and gives the value to go on with.</summary>
    public T Invalid<T>(string problem, T fallback)
    {
        _problems.Add(problem);
        return fallback;
    }

    /// <summary>Runs a parser that reports by throwing, noting its problem instead.</summary>
    public T Guard<T>(Func<T> parse, T fallback)
    {
        try
        {
            return parse();
        }
        catch (ConfigurationException e)
        {
            return Invalid(e.Message, fallback);
        }
    }

    public string? Text(string key) => configuration[key];

    /// <summary>A list from TOML arrays (key:0, key:1...) or a single value.</summary>
    public List<string> List(string key)
    {
        var section = configuration.GetSection(key);
        var children = section.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        return children.Count > 0 || string.IsNullOrEmpty(section.Value) ? children : [section.Value];
    }

    public bool Flag(string key) => configuration[key] switch
    {
        null or "" => false,
        var v when bool.TryParse(v, out var b) => b,
        var v => Invalid($"{key} takes true or false, not '{v}'", false),
    };

    public int Integer(string key, int fallback) => configuration[key] switch
    {
        null or "" => fallback,
        var v when int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 => n,
        var v => Invalid($"{key} takes a whole number, not '{v}'", fallback),
    };

    public int Positive(string key, int fallback) => Integer(key, fallback) switch
    {
        0 => Invalid($"{key} must be positive", fallback),
        var n => n,
    };

    public TimeSpan Seconds(string key, int fallback) => TimeSpan.FromSeconds(Integer(key, fallback));

    public int Port(string key, int fallback) =>
        Integer(key, fallback) is var port and >= 0 and <= 65535 ? port : Invalid($"{key} takes a port number", fallback);

    /// <summary>An IP address, or null (noted) when the text is not one.</summary>
    public IPAddress? Address(string key, string text) =>
        IPAddress.TryParse(text.Trim(), out var address) ? address : Invalid<IPAddress?>($"{key} '{text}' is not an IP address", null);

    public IPAddress Address(string key, string? text, IPAddress fallback) => text is null ? fallback : Address(key, text) ?? fallback;

    /// <summary>Every valid address of a list; the invalid ones are noted.</summary>
    public IPAddress[] Addresses(string key) => [.. List(key).Select(ip => Address(key, ip)).OfType<IPAddress>()];

    public IPRange[] Ranges(string key) =>
        [.. List(key).Select(text =>
        {
            try
            {
                return IPRange.Parse(text);
            }
            catch (FormatException e)
            {
                return Invalid<IPRange?>($"{key} '{text}': {e.Message}", null);
            }
        }).OfType<IPRange>()];

    public List<int> Ports(string key, int fallback)
    {
        var ports = List(key);
        return ports.Count == 0
            ? [fallback]
            : [.. ports.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
                ? port
                : Invalid($"{key} takes a port number, not '{p}'", -1)).Where(p => p >= 0)];
    }

    /// <summary>coturn's alternate-server form: IP, IP:port or [IPv6]:port; the port defaults to 3478.</summary>
    public TransportAddress[] Servers(string key) =>
        [.. List(key).Select(text => IPEndPoint.TryParse(text.Trim(), out var endPoint)
            ? TransportAddress.FromIPAddress(endPoint.Address, (ushort)(endPoint.Port == 0 ? 3478 : endPoint.Port))
            : Invalid<TransportAddress?>($"{key} '{text}' is not an IP address with an optional port", null)).OfType<TransportAddress>()];
}
