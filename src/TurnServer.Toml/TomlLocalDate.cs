using System.Globalization;

namespace TurnServer.Toml;

public sealed class TomlLocalDate(DateOnly value) : TomlValue
{
    public DateOnly Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.LocalDate;

    public override string ToString() => Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
