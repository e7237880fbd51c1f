using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace TurnServer.Toml;

/// <summary>Tomlyn's source-generated metadata for its own document model, so reading needs no reflection (trimming and Native AOT).</summary>
[TomlSerializable(typeof(TomlTable))]
internal sealed partial class TomlModelContext : TomlSerializerContext
{
    public TomlModelContext(TomlSerializerOptions options)
        : base(options)
    {
    }
}
