using System.Text;

namespace TurnServer.Toml.Tests;

/// <summary>The reader's API beyond what toml-test checks: error positions, the value model, options and limits.</summary>
public class TomlDocumentTests
{
    [Fact]
    public void Error_message_starts_with_the_line_and_column()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse("a = 1\nb 2\n"));

        Assert.Equal(2, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Null(error.FilePath);
        Assert.Equal("expected '=' after key, found '2'", error.Description);
        Assert.Equal("line 2, column 3: expected '=' after key, found '2'", error.Message);
    }

    [Fact]
    public void Columns_count_characters_not_utf16_units()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse("k = \"😀\" x"));

        Assert.Equal(9, error.Column);
    }

    [Fact]
    public void Lines_end_with_lf_or_crlf()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse("a = 1\r\nb = 2\r\nc = ?\r\n"));

        Assert.Equal((3, 5), (error.Line, error.Column));
    }

    [Fact]
    public void Invalid_utf8_is_reported_where_the_bad_byte_is()
    {
        byte[] document = [.. "a = 1\nb = \""u8, 0xC3, .. "\"\n"u8];

        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse(document));

        Assert.Equal((2, 6), (error.Line, error.Column));
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpaired_surrogate_in_a_string_is_rejected()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse("a = \"\uD800\""));

        Assert.Equal((1, 6), (error.Line, error.Column));
    }

    [Fact]
    public void Text_may_start_with_a_byte_order_mark()
    {
        Assert.Equal(1L, Assert.IsType<TomlInteger>(TomlDocument.Parse("\uFEFFa = 1")["a"]).Value);
        Assert.Equal(1L, Assert.IsType<TomlInteger>(TomlDocument.Parse([0xEF, 0xBB, 0xBF, .. "a = 1"u8])["a"]).Value);
    }

    [Fact]
    public void Each_kind_of_value_keeps_its_type_and_prints_as_invariant_text()
    {
        var document = TomlDocument.Parse("""
            string = 'C:\path'
            hex = 0xdead_BEEF
            float = 6.626e-34
            infinity = -inf
            boolean = true
            offset-date-time = 1979-05-27 07:32:00.999999999-07:00
            local-date-time = 1979-05-27T07:32:00
            local-date = 1979-05-27
            local-time = 07:32:00.5
            array = [1, "two", [3.0]]
            table = { x = 1, y.z = 2 }
            """);

        Assert.Equal(
            ["string", "hex", "float", "infinity", "boolean", "offset-date-time", "local-date-time", "local-date", "local-time", "array", "table"],
            document.Keys);
        Assert.Equal(
            [TomlValueKind.String, TomlValueKind.Integer, TomlValueKind.Float, TomlValueKind.Float, TomlValueKind.Boolean, TomlValueKind.OffsetDateTime,
             TomlValueKind.LocalDateTime, TomlValueKind.LocalDate, TomlValueKind.LocalTime, TomlValueKind.Array, TomlValueKind.Table],
            document.Values.Select(value => value.Kind));
        Assert.Equal(@"C:\path", document["string"].ToString());
        Assert.Equal(0xdeadbeefL, Assert.IsType<TomlInteger>(document["hex"]).Value);
        Assert.Equal("3735928559", document["hex"].ToString());
        Assert.Equal("6.626E-34", document["float"].ToString());
        Assert.Equal("-Infinity", document["infinity"].ToString());
        Assert.Equal("true", document["boolean"].ToString());

        // Digits past the 100 ns tick are truncated, not rounded up into the next second.
        Assert.Equal("1979-05-27T07:32:00.9999999-07:00", document["offset-date-time"].ToString());
        Assert.Equal(TimeSpan.FromHours(-7), Assert.IsType<TomlOffsetDateTime>(document["offset-date-time"]).Value.Offset);
        Assert.Equal("1979-05-27T07:32:00", document["local-date-time"].ToString());
        Assert.Equal(DateTimeKind.Unspecified, Assert.IsType<TomlLocalDateTime>(document["local-date-time"]).Value.Kind);
        Assert.Equal(new DateOnly(1979, 5, 27), Assert.IsType<TomlLocalDate>(document["local-date"]).Value);
        Assert.Equal("07:32:00.5", document["local-time"].ToString());

        var array = Assert.IsType<TomlArray>(document["array"]);
        Assert.Equal([TomlValueKind.Integer, TomlValueKind.String, TomlValueKind.Array], array.Select(item => item.Kind));
        var table = Assert.IsType<TomlTable>(document["table"]);
        Assert.Equal(2L, Assert.IsType<TomlInteger>(Assert.IsType<TomlTable>(table["y"])["z"]).Value);
    }

    [Fact]
    public void Keys_are_case_sensitive_unless_asked_otherwise()
    {
        const string Document = "Realm = 'a'\n[server]\nrealm = 'b'\nREALM = 'c'\n";

        var caseSensitive = TomlDocument.Parse(Document);
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse(Document, new TomlParseOptions { CaseInsensitiveKeys = true }));

        Assert.Equal(["realm", "REALM"], Assert.IsType<TomlTable>(caseSensitive["server"]).Keys);
        Assert.Equal((4, 1), (error.Line, error.Column));
        Assert.Contains("'REALM' differs only in letter case from 'realm'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Case_insensitive_tables_are_looked_up_ignoring_case()
    {
        var document = TomlDocument.Parse("[Server]\nPort = 3478\n", new TomlParseOptions { CaseInsensitiveKeys = true });

        Assert.True(Assert.IsType<TomlTable>(document["server"]).ContainsKey("port"));
    }

    [Fact]
    public void Leap_seconds_are_rejected_because_dotnet_times_cannot_hold_them()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse("t = 2016-12-31T23:59:60Z"));

        Assert.Contains("leap second", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integers_outside_64_bits_are_rejected()
    {
        Assert.Equal(long.MinValue, Assert.IsType<TomlInteger>(TomlDocument.Parse("i = -9223372036854775808")["i"]).Value);
        Assert.Equal(long.MaxValue, Assert.IsType<TomlInteger>(TomlDocument.Parse("i = 0x7fffffffffffffff")["i"]).Value);
        Assert.Throws<TomlException>(() => TomlDocument.Parse("i = 9223372036854775808"));
        Assert.Throws<TomlException>(() => TomlDocument.Parse("i = 0x8000000000000000"));
    }

    [Fact]
    public void Deep_nesting_is_an_error_rather_than_a_stack_overflow()
    {
        var document = "a = " + new string('[', 100_000) + new string(']', 100_000);

        var error = Assert.Throws<TomlException>(() => TomlDocument.Parse(document));

        Assert.Contains("nest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_line_strings_use_lf_whatever_the_file_uses()
    {
        var document = TomlDocument.Parse(Encoding.UTF8.GetBytes("s = \"\"\"\r\none\r\ntwo\"\"\"\r\n"));

        Assert.Equal("one\ntwo", document["s"].ToString());
    }
}
