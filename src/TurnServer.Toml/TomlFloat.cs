using System.Globalization;

namespace TurnServer.Toml;

public sealed class TomlFloat(double value) : TomlValue
{
    public double Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.Float;

    /// <summary>The shortest text that parses back to the same double ("Infinity" and "NaN" included).</summary>
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}
