namespace TurnServer.Toml;

public sealed class TomlBoolean(bool value) : TomlValue
{
    public bool Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.Boolean;

    public override string ToString() => Value ? "true" : "false";
}
