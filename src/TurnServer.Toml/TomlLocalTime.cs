using System.Globalization;

namespace TurnServer.Toml;

public sealed class TomlLocalTime(TimeOnly value) : TomlValue
{
    public TimeOnly Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.LocalTime;

    public override string ToString() => Value.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
}
