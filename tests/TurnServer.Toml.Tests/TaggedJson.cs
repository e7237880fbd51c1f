using System.Globalization;
using System.Text.Json;
using Tomlyn;
using Tomlyn.Model;

namespace TurnServer.Toml.Tests;

/// <summary>
/// Compares a parsed document with toml-test's tagged JSON, where every scalar is
/// <c>{"type": ..., "value": "..."}</c>. Values are compared by what they denote, not by spelling:
/// toml-test writes "Z" or "+00:00", trims fractions, and spells floats its own way.
/// </summary>
internal static class TaggedJson
{
    public static void AssertEquivalent(JsonElement expected, object? actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                // An array of tables written with [[name]] is a TomlTableArray; one written inline is a TomlArray.
                var elements = actual is TomlTableArray tables ? tables.Cast<object?>().ToList() : AssertKind<TomlArray>(actual, path).ToList();
                Assert.True(expected.GetArrayLength() == elements.Count, $"{path}: expected {expected.GetArrayLength()} elements, got {elements.Count}");
                for (var i = 0; i < elements.Count; i++)
                {
                    AssertEquivalent(expected[i], elements[i], $"{path}[{i}]");
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

    private static void AssertScalar(string type, string text, object? actual, string path)
    {
        var invariant = CultureInfo.InvariantCulture;
        switch (type)
        {
            case "string":
                Assert.Equal(text, AssertKind<string>(actual, path));
                break;
            case "integer":
                Assert.Equal(long.Parse(text, invariant), AssertKind<long>(actual, path));
                break;
            case "float":
                var number = AssertKind<double>(actual, path);
                Assert.True(ParseFloat(text).Equals(number), $"{path}: expected {text}, got {number.ToString(invariant)}");
                break;
            case "bool":
                Assert.Equal(bool.Parse(text), AssertKind<bool>(actual, path));
                break;
            case "datetime":
                var offsetDateTime = AssertDateTime(actual, path, TomlDateTimeKind.OffsetDateTimeByZ, TomlDateTimeKind.OffsetDateTimeByNumber);
                AssertSameInstantAndOffset(DateTimeOffset.Parse(text, invariant), offsetDateTime.DateTime, path);
                AssertSameInstantAndOffset(offsetDateTime.DateTime, DateTimeOffset.Parse(offsetDateTime.ToString(), invariant), path + " printed back");
                break;
            case "datetime-local":
                var localDateTime = AssertDateTime(actual, path, TomlDateTimeKind.LocalDateTime);
                Assert.Equal(DateTime.Parse(text, invariant), localDateTime.DateTime.DateTime);
                Assert.Equal(localDateTime.DateTime.DateTime, DateTime.Parse(localDateTime.ToString(), invariant));
                break;
            case "date-local":
                var localDate = AssertDateTime(actual, path, TomlDateTimeKind.LocalDate);
                Assert.Equal(DateOnly.Parse(text, invariant), DateOnly.FromDateTime(localDate.DateTime.DateTime));
                Assert.Equal(DateOnly.FromDateTime(localDate.DateTime.DateTime), DateOnly.Parse(localDate.ToString(), invariant));
                break;
            case "time-local":
                var localTime = AssertDateTime(actual, path, TomlDateTimeKind.LocalTime);
                Assert.Equal(TimeOnly.Parse(text, invariant), TimeOnly.FromDateTime(localTime.DateTime.DateTime));
                Assert.Equal(TimeOnly.FromDateTime(localTime.DateTime.DateTime), TimeOnly.Parse(localTime.ToString(), invariant));
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

    private static TomlDateTime AssertDateTime(object? actual, string path, params TomlDateTimeKind[] kinds)
    {
        var value = AssertKind<TomlDateTime>(actual, path);
        Assert.True(kinds.Contains(value.Kind), $"{path}: expected a {string.Join(" or ", kinds)}, got a {value.Kind}");
        return value;
    }

    private static T AssertKind<T>(object? actual, string path) =>
        actual is T value ? value : throw new Xunit.Sdk.XunitException($"{path}: expected a {typeof(T).Name}, got {actual?.GetType().Name ?? "null"}");
}
