using System.Globalization;
using System.Text.Json;

namespace TurnServer.Toml.Tests;

/// <summary>
/// Compares a parsed document with toml-test's tagged JSON, where every scalar is
/// <c>{"type": ..., "value": "..."}</c>. Values are compared by what they denote, not by spelling:
/// toml-test writes "Z" or "+00:00", trims fractions, and spells floats its own way.
/// </summary>
internal static class TaggedJson
{
    public static void AssertEquivalent(JsonElement expected, TomlValue actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                var array = AssertKind<TomlArray>(actual, path);
                Assert.True(expected.GetArrayLength() == array.Count, $"{path}: expected {expected.GetArrayLength()} elements, got {array.Count}");
                for (var i = 0; i < array.Count; i++)
                {
                    AssertEquivalent(expected[i], array[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Object when IsTaggedScalar(expected):
                AssertScalar(expected.GetProperty("type").GetString()!, expected.GetProperty("value").GetString()!, actual, path);
                break;
            case JsonValueKind.Object:
                var table = AssertKind<TomlTable>(actual, path);
                var expectedKeys = expected.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal);
                Assert.Equal(expectedKeys, table.Keys.Order(StringComparer.Ordinal));
                foreach (var property in expected.EnumerateObject())
                {
                    AssertEquivalent(property.Value, table[property.Name], $"{path}.{property.Name}");
                }

                break;
            default:
                Assert.Fail($"{path}: unexpected JSON {expected.ValueKind} in the expected document");
                break;
        }
    }

    private static bool IsTaggedScalar(JsonElement element) =>
        element.EnumerateObject().Count() == 2
        && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        && element.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String;

    private static void AssertScalar(string type, string text, TomlValue actual, string path)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (type)
        {
            case "string":
                Assert.Equal(text, AssertKind<TomlString>(actual, path).Value);
                break;
            case "integer":
                Assert.Equal(long.Parse(text, invariant), AssertKind<TomlInteger>(actual, path).Value);
                break;
            case "float":
                var number = AssertKind<TomlFloat>(actual, path).Value;
                Assert.True(ParseFloat(text).Equals(number), $"{path}: expected {text}, got {number.ToString(invariant)}");
                break;
            case "bool":
                Assert.Equal(bool.Parse(text), AssertKind<TomlBoolean>(actual, path).Value);
                break;
            case "datetime":
                var offsetDateTime = AssertKind<TomlOffsetDateTime>(actual, path);
                AssertSameInstantAndOffset(DateTimeOffset.Parse(text, invariant), offsetDateTime.Value, path);
                AssertSameInstantAndOffset(offsetDateTime.Value, DateTimeOffset.Parse(offsetDateTime.ToString(), invariant), path + " printed back");
                break;
            case "datetime-local":
                var localDateTime = AssertKind<TomlLocalDateTime>(actual, path);
                Assert.Equal(DateTime.Parse(text, invariant), localDateTime.Value);
                Assert.Equal(localDateTime.Value, DateTime.Parse(localDateTime.ToString(), invariant));
                break;
            case "date-local":
                var localDate = AssertKind<TomlLocalDate>(actual, path);
                Assert.Equal(DateOnly.Parse(text, invariant), localDate.Value);
                Assert.Equal(localDate.Value, DateOnly.Parse(localDate.ToString(), invariant));
                break;
            case "time-local":
                var localTime = AssertKind<TomlLocalTime>(actual, path);
                Assert.Equal(TimeOnly.Parse(text, invariant), localTime.Value);
                Assert.Equal(localTime.Value, TimeOnly.Parse(localTime.ToString(), invariant));
                break;
            default:
                Assert.Fail($"{path}: unknown toml-test type '{type}'");
                break;
        }
    }

    private static double ParseFloat(string text) => text switch
    {
        "nan" or "+nan" or "-nan" => double.NaN,
        "inf" or "+inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    private static void AssertSameInstantAndOffset(DateTimeOffset expected, DateTimeOffset actual, string path) =>
        Assert.True(expected.EqualsExact(actual), $"{path}: expected {expected:O}, got {actual:O}");

    private static T AssertKind<T>(TomlValue actual, string path)
        where T : TomlValue =>
        actual as T ?? throw new Xunit.Sdk.XunitException($"{path}: expected a {typeof(T).Name}, got a {actual.GetType().Name} ({actual.Kind})");
}
