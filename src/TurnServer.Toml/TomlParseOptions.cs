namespace TurnServer.Toml;

public sealed record TomlParseOptions
{
    public static TomlParseOptions Default { get; } = new();

    /// <summary>
    /// Compare keys ignoring case, as <c>IConfiguration</c> does. TOML itself is case-sensitive, so two
    /// keys of one table that differ only in case are then an error rather than two entries.
    /// </summary>
    public bool CaseInsensitiveKeys { get; init; }
}
