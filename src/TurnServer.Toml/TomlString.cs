namespace TurnServer.Toml;

public sealed class TomlString(string value) : TomlValue
{
    public string Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.String;

    public override string ToString() => Value;
}
