namespace TurnServer.Host.Configuration;

/// <summary>A setting that stops start-up; the message names the setting and says what is wrong.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
