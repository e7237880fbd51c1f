using System.Globalization;
using System.Text.RegularExpressions;

namespace TurnServer.Toml;

/// <summary>
/// Values written without quotes or brackets: booleans, integers, floats, dates and times. The parser
/// cuts the token at the next delimiter; the patterns below are the TOML 1.0 ABNF for each form.
/// </summary>
internal static partial class BareValues
{
    private const string DigitRun = "[0-9](?:_?[0-9])*";
    private const string DecimalInteger = "[+-]?(?:0|[1-9](?:_?[0-9])*)";
    private const string Exponent = "[eE][+-]?" + DigitRun;
    private const string Time = @"(?<hour>[0-9]{2}):(?<minute>[0-9]{2}):(?<second>[0-9]{2})(?:\.(?<fraction>[0-9]+))?";
    private const int TicksDigits = 7;

    public static TomlValue Parse(string token, TextCursor cursor, int start)
    {
        switch (token)
        {
            case "true":
                return new TomlBoolean(true);
            case "false":
                return new TomlBoolean(false);
            case "inf" or "+inf":
                return new TomlFloat(double.PositiveInfinity);
            case "-inf":
                return new TomlFloat(double.NegativeInfinity);
            case "nan" or "+nan" or "-nan":
                return new TomlFloat(double.NaN);
        }

        if (DateOrDateTimePattern().Match(token) is { Success: true } dateTime)
        {
            return ToDateOrDateTime(dateTime.Groups, token, cursor, start);
        }

        if (LocalTimePattern().Match(token) is { Success: true } time)
        {
            return new TomlLocalTime(ToTime(time.Groups, token, cursor, start));
        }

        if (DecimalIntegerPattern().IsMatch(token))
        {
            return long.TryParse(token.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? new TomlInteger(value)
                : throw cursor.ErrorAt(start, $"integer {token} does not fit in 64 bits");
        }

        if (PrefixedIntegerPattern().Match(token) is { Success: true } prefixed)
        {
            return ToPrefixedInteger(prefixed.Groups, token, cursor, start);
        }

        if (FloatPattern().IsMatch(token))
        {
            var value = double.Parse(token.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
            return double.IsFinite(value) ? new TomlFloat(value) : throw cursor.ErrorAt(start, $"float {token} is out of the 64-bit range");
        }

        throw cursor.ErrorAt(start, $"'{Printable(token)}' is not a valid value (string, number, boolean, date or time)");
    }

    private static TomlInteger ToPrefixedInteger(GroupCollection groups, string token, TextCursor cursor, int start)
    {
        var (digits, radix) = groups["hex"].Success ? (groups["hex"].Value, 16)
            : groups["octal"].Success ? (groups["octal"].Value, 8)
            : (groups["binary"].Value, 2);
        var value = 0L;
        foreach (var c in digits)
        {
            if (c == '_')
            {
                continue;
            }

            var digit = char.IsAsciiDigit(c) ? c - '0' : char.ToUpperInvariant(c) - 'A' + 10;
            if (value > (long.MaxValue - digit) / radix)
            {
                throw cursor.ErrorAt(start, $"integer {token} does not fit in 64 bits");
            }

            value = (value * radix) + digit;
        }

        return new TomlInteger(value);
    }

    private static TomlValue ToDateOrDateTime(GroupCollection groups, string token, TextCursor cursor, int start)
    {
        var year = ToInt(groups["year"]);
        var month = ToInt(groups["month"]);
        var day = ToInt(groups["day"]);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw cursor.ErrorAt(start, $"'{token}' is not a valid date{(year < 1 ? " (years start at 0001)" : "")}");
        }

        var date = new DateOnly(year, month, day);
        if (!groups["hour"].Success)
        {
            return new TomlLocalDate(date);
        }

        var dateTime = date.ToDateTime(ToTime(groups, token, cursor, start), DateTimeKind.Unspecified);
        if (!groups["offset"].Success)
        {
            return new TomlLocalDateTime(dateTime);
        }

        var offset = ToOffset(groups["offset"].Value, token, cursor, start);
        var utcTicks = dateTime.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            throw cursor.ErrorAt(start, $"'{token}' is outside the range of DateTimeOffset");
        }

        return new TomlOffsetDateTime(new DateTimeOffset(dateTime, offset));
    }

    private static TimeOnly ToTime(GroupCollection groups, string token, TextCursor cursor, int start)
    {
        var hour = ToInt(groups["hour"]);
        var minute = ToInt(groups["minute"]);
        var second = ToInt(groups["second"]);
        if (second == 60)
        {
            throw cursor.ErrorAt(start, $"'{token}' has a leap second, which .NET times cannot hold");
        }

        if (hour > 23 || minute > 59 || second > 59)
        {
            throw cursor.ErrorAt(start, $"'{token}' is not a valid time");
        }

        // Digits beyond the 100 ns tick are truncated, not rounded, as the TOML spec requires.
        var fraction = groups["fraction"].Value;
        var fractionTicks = fraction.Length == 0 ? 0 : int.Parse(fraction.PadRight(TicksDigits, '0')[..TicksDigits], CultureInfo.InvariantCulture);
        return new TimeOnly(new TimeSpan(hour, minute, second).Ticks + fractionTicks);
    }

    private static TimeSpan ToOffset(string text, string token, TextCursor cursor, int start)
    {
        if (text is "Z" or "z")
        {
            return TimeSpan.Zero;
        }

        var hours = int.Parse(text.AsSpan(1, 2), CultureInfo.InvariantCulture);
        var minutes = int.Parse(text.AsSpan(4, 2), CultureInfo.InvariantCulture);
        if (hours > 23 || minutes > 59)
        {
            throw cursor.ErrorAt(start, $"'{token}' has an invalid UTC offset");
        }

        if (hours > 14 || (hours == 14 && minutes > 0))
        {
            throw cursor.ErrorAt(start, $"'{token}' has a UTC offset beyond the ±14:00 DateTimeOffset can hold");
        }

        var offset = new TimeSpan(hours, minutes, 0);
        return text[0] == '-' ? -offset : offset;
    }

    private static int ToInt(Group group) => int.Parse(group.ValueSpan, CultureInfo.InvariantCulture);

    /// <summary>Bare values are ASCII; anything else in a rejected token is shown by its code, as it may not print (a BOM, an unusual space).</summary>
    private static string Printable(string token) =>
        string.Concat(token.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));

    [GeneratedRegex(@"\A(?<year>[0-9]{4})-(?<month>[0-9]{2})-(?<day>[0-9]{2})(?:[Tt ]" + Time + @"(?<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?)?\z")]
    private static partial Regex DateOrDateTimePattern();

    [GeneratedRegex(@"\A" + Time + @"\z")]
    private static partial Regex LocalTimePattern();

    [GeneratedRegex(@"\A" + DecimalInteger + @"\z")]
    private static partial Regex DecimalIntegerPattern();

    [GeneratedRegex(@"\A0(?:x(?<hex>[0-9A-Fa-f](?:_?[0-9A-Fa-f])*)|o(?<octal>[0-7](?:_?[0-7])*)|b(?<binary>[01](?:_?[01])*))\z")]
    private static partial Regex PrefixedIntegerPattern();

    [GeneratedRegex(@"\A" + DecimalInteger + @"(?:\." + DigitRun + "(?:" + Exponent + ")?|" + Exponent + @")\z")]
    private static partial Regex FloatPattern();
}
