using System.Diagnostics.CodeAnalysis;

namespace TurnServer.Toml;

/// <summary>The kinds of value TOML 1.0 defines; each has its own <see cref="TomlValue"/> subclass.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "These are the TOML specification's names for its types.")]
public enum TomlValueKind
{
    String,
    Integer,
    Float,
    Boolean,
    OffsetDateTime,
    LocalDateTime,
    LocalDate,
    LocalTime,
    Array,
    Table,
}
