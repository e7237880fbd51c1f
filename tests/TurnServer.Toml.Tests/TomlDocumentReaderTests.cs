using Tomlyn;
using Tomlyn.Model;

namespace TurnServer.Toml.Tests;

/// <summary>What the reader adds to Tomlyn (byte handling, strictness) and the value model the configuration layout relies on.</summary>
public class TomlDocumentReaderTests
{
    [Fact]
    public void Error_names_the_source_line_and_column()
    {
        var error = Assert.Throws<TomlException>(() => TomlDocumentReader.Read("a = 1\nb 2\n"u8, "turnserver.toml"));

        Assert.Equal("turnserver.toml", error.SourceName);
        Assert.Equal((2, 3), (error.Line, error.Column));
        Assert.StartsWith("turnserver.toml(2,3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_reported_where_the_bad_byte_is()
    {
        byte[] document = [.. "a = 1\nb = \""u8, 0xC3, .. "\"\n"u8];

        var error = Assert.Throws<TomlException>(() => TomlDocumentReader.Read(document, "bad.toml"));

        Assert.Equal((2, 6), (error.Line, error.Column));
        Assert.Equal("bad.toml", error.SourceName);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = \"\\")]
    [InlineData("a = \"\\u00")]
    [InlineData("a = \"\"\"\\")]
    [InlineData("[\"\\")]
    [InlineData("x = 1\nkey = \"\\U0001")]
    public void A_document_ending_inside_an_escape_is_a_positioned_error(string document)
    {
        // Tomlyn itself throws ArgumentOutOfRangeException here (found by AFL++, tests/FuzzRegressions/toml).
        var error = Assert.Throws<TomlException>(() => TomlDocumentReader.Read(System.Text.Encoding.UTF8.GetBytes(document), "cut.toml"));

        var lines = document.Split('\n');
        Assert.Equal((lines.Length, lines[^1].Length + 1), (error.Line, error.Column));
        Assert.StartsWith("cut.toml(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_may_start_with_a_byte_order_mark()
    {
        Assert.Equal(1L, TomlDocumentReader.Read([0xEF, 0xBB, 0xBF, .. "a = 1"u8])["a"]);
    }

    [Fact]
    public void A_redefined_key_or_table_is_an_error_not_a_last_one_wins()
    {
        var key = Assert.Throws<TomlException>(() => TomlDocumentReader.Read("realm = 'a'\nrealm = 'b'\n"u8));
        var table = Assert.Throws<TomlException>(() => TomlDocumentReader.Read("[tls]\nenabled = true\n[tls]\nport = 5349\n"u8));

        Assert.Equal(2, key.Line);
        Assert.Equal(3, table.Line);
    }

    [Fact]
    public void Keys_are_case_sensitive_in_the_document()
    {
        var document = TomlDocumentReader.Read("[server]\nrealm = 'b'\nREALM = 'c'\n"u8);

        Assert.Equal(["realm", "REALM"], Assert.IsType<TomlTable>(document["server"]).Keys);
    }

    [Fact]
    public void Each_kind_of_value_keeps_its_type()
    {
        var document = TomlDocumentReader.Read("""
            string = 'C:\path'
            hex = 0xdead_BEEF
            float = 6.626e-34
            boolean = true
            offset-date-time = 1979-05-27 07:32:00.5-07:00
            local-date-time = 1979-05-27T07:32:00
            local-date = 1979-05-27
            local-time = 07:32:00.5
            array = [1, "two", [3.0]]
            table = { x = 1, y.z = 2 }
            """u8);

        Assert.Equal(@"C:\path", document["string"]);
        Assert.Equal(0xdeadbeefL, document["hex"]);
        Assert.Equal(6.626e-34, document["float"]);
        Assert.Equal(true, document["boolean"]);
        var offsetDateTime = Assert.IsType<TomlDateTime>(document["offset-date-time"]);
        Assert.Equal(TomlDateTimeKind.OffsetDateTimeByNumber, offsetDateTime.Kind);
        Assert.Equal(new DateTimeOffset(1979, 5, 27, 7, 32, 0, 500, TimeSpan.FromHours(-7)), offsetDateTime.DateTime);
        Assert.Equal(TomlDateTimeKind.LocalDateTime, Assert.IsType<TomlDateTime>(document["local-date-time"]).Kind);
        Assert.Equal(TomlDateTimeKind.LocalDate, Assert.IsType<TomlDateTime>(document["local-date"]).Kind);
        Assert.Equal(TomlDateTimeKind.LocalTime, Assert.IsType<TomlDateTime>(document["local-time"]).Kind);
        Assert.Equal([typeof(long), typeof(string), typeof(TomlArray)], Assert.IsType<TomlArray>(document["array"]).Select(item => item!.GetType()));
        Assert.Equal(2L, Assert.IsType<TomlTable>(Assert.IsType<TomlTable>(document["table"])["y"])["z"]);
    }

    // Tomlyn 2.11.1 wraps a hexadecimal, octal or binary integer past 64 bits instead of rejecting it (toml-test
    // has no such case); the settings' range checks are what stand behind that.
    [Fact]
    public void Leap_seconds_and_decimal_integers_outside_64_bits_are_rejected()
    {
        Assert.Equal(long.MinValue, TomlDocumentReader.Read("i = -9223372036854775808"u8)["i"]);
        Assert.Equal(long.MaxValue, TomlDocumentReader.Read("i = 0x7fffffffffffffff"u8)["i"]);
        Assert.Equal(1, Assert.Throws<TomlException>(() => TomlDocumentReader.Read("i = 9223372036854775808"u8)).Line);
        Assert.Equal(2, Assert.Throws<TomlException>(() => TomlDocumentReader.Read("\nt = 2016-12-31T23:59:60Z"u8)).Line);
    }

    [Fact]
    public void Deep_nesting_is_an_error_rather_than_a_stack_overflow()
    {
        var document = System.Text.Encoding.UTF8.GetBytes("a = " + new string('[', 100_000) + new string(']', 100_000));

        Assert.Throws<TomlException>(() => TomlDocumentReader.Read(document));
    }
}
