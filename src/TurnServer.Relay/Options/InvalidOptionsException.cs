namespace TurnServer.Relay.Options;

/// <summary>
/// Options the engine refuses, named by their <see cref="TurnServerOptions"/> properties: the engine
/// knows no configuration keys, so the host says which of its settings each one is.
/// </summary>
public sealed class InvalidOptionsException : ArgumentException
{
    public InvalidOptionsException(IReadOnlyList<string> properties, string reason)
        : base($"{string.Join(", ", properties)} {reason}.")
    {
        Properties = properties;
        Reason = reason;
    }

    /// <summary>The properties at fault; a relay address's advertised address is <c>RelayAddresses.Advertised</c>.</summary>
    public IReadOnlyList<string> Properties { get; }

    /// <summary>What is wrong with them, to follow their names.</summary>
    public string Reason { get; }
}
