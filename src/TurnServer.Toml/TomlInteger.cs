using System.Globalization;

namespace TurnServer.Toml;

public sealed class TomlInteger(long value) : TomlValue
{
    public long Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.Integer;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
