using System.Globalization;

namespace TurnServer.Toml;

/// <summary>A date and time without an offset, such as <c>1979-05-27T07:32:00</c>; its kind is Unspecified.</summary>
public sealed class TomlLocalDateTime(DateTime value) : TomlValue
{
    public DateTime Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.LocalDateTime;

    public override string ToString() => Value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
}
