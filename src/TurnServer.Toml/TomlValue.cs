namespace TurnServer.Toml;

/// <summary>
/// A value read from a TOML document. Match on the subclass (<see cref="TomlString"/>,
/// <see cref="TomlInteger"/>, <see cref="TomlTable"/>, ...) or switch on <see cref="Kind"/>.
/// Scalars print themselves as invariant-culture text that .NET parses back to the same value.
/// </summary>
public abstract class TomlValue
{
    private protected TomlValue()
    {
    }

    public abstract TomlValueKind Kind { get; }
}
