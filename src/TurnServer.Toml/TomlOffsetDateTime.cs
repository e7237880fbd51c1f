using System.Globalization;

namespace TurnServer.Toml;

/// <summary>A date and time with a UTC offset, such as <c>1979-05-27T07:32:00-07:00</c>.</summary>
public sealed class TomlOffsetDateTime(DateTimeOffset value) : TomlValue
{
    public DateTimeOffset Value { get; } = value;

    public override TomlValueKind Kind => TomlValueKind.OffsetDateTime;

    public override string ToString() => Value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}
