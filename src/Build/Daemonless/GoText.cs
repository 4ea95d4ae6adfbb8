using System.Globalization;
using System.Text;

namespace ImageDsl.Build.Daemonless;

/// <summary>
/// The text BuildKit's Go code prints into an image's history (<c>fmt.Sprintf("CMD %q", args)</c>,
/// <c>"HEALTHCHECK %q"</c>, <c>"EXPOSE %v"</c>…): Go's quoting of strings and runes, its slice and map formats and
/// time.Duration's String. Only what those history lines use.
/// </summary>
public static class GoText
{
    /// <summary>%q of a []string: <c>["a" "b"]</c>.</summary>
    public static string QuotedList(IEnumerable<string> items) => "[" + string.Join(" ", items.Select(Quote)) + "]";

    /// <summary>%v of a []string: <c>[a b]</c>.</summary>
    public static string List(IEnumerable<string> items) => "[" + string.Join(" ", items) + "]";

    /// <summary>strconv.Quote: Go escapes, printable Unicode kept.</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '"') builder.Append("\\\"");
            else AppendRune(builder, rune);
        }

        return builder.Append('"').ToString();
    }

    /// <summary>%q of an int: a quoted rune, e.g. <c>'\x03'</c>.</summary>
    public static string QuoteRune(int value)
    {
        var builder = new StringBuilder("'");
        // fmt's %q of an int that is no valid rune prints utf8.RuneError.
        if (value == '\'') builder.Append("\\'");
        else AppendRune(builder, Rune.IsValid(value) ? new Rune(value) : Rune.ReplacementChar);
        return builder.Append('\'').ToString();
    }

    // strconv's appendEscapedRune: the backslash and Go's named escapes, printable runes as they are, the rest by number.
    private static void AppendRune(StringBuilder builder, Rune rune)
    {
        var value = rune.Value;
        var named = value switch { '\\' => "\\\\", '\a' => "\\a", '\b' => "\\b", '\f' => "\\f", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '\v' => "\\v", _ => null };
        if (named is not null)
        {
            builder.Append(named);
            return;
        }

        var category = Rune.GetUnicodeCategory(rune);
        var printable = value >= 0x20 && value != 0x7f && category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            && (value == ' ' || category is not UnicodeCategory.SpaceSeparator);
        if (printable) builder.Append(rune.ToString());
        else if (value < 0x80) builder.Append("\\x").Append(value.ToString("x2", CultureInfo.InvariantCulture));
        else if (value < 0x10000) builder.Append("\\u").Append(value.ToString("x4", CultureInfo.InvariantCulture));
        else builder.Append("\\U").Append(value.ToString("x8", CultureInfo.InvariantCulture));
    }

    /// <summary>time.Duration.String(): "0s", "500ms", "5s", "1m30s", "1h0m0s", "1.5s".</summary>
    public static string Duration(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        var negative = nanoseconds < 0;
        var u = (ulong)Math.Abs(nanoseconds);
        string text;
        if (u < 1_000_000_000UL)
        {
            (ulong unit, string suffix) = u < 1_000UL ? (1UL, "ns") : u < 1_000_000UL ? (1_000UL, "µs") : (1_000_000UL, "ms");
            text = Fraction(u, unit) + suffix;
        }
        else
        {
            var hours = u / 3_600_000_000_000UL;
            var minutes = u / 60_000_000_000UL % 60;
            var seconds = Fraction(u % 60_000_000_000UL, 1_000_000_000UL) + "s";
            text = hours > 0 ? $"{hours}h{minutes}m{seconds}" : minutes > 0 ? $"{minutes}m{seconds}" : seconds;
        }

        return negative ? "-" + text : text;
    }

    private static string Fraction(ulong value, ulong unit)
    {
        var whole = value / unit;
        var rest = value % unit;
        if (rest == 0) return whole.ToString(CultureInfo.InvariantCulture);
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

    /// <summary>time.ParseDuration for the forms a Dockerfile flag takes ("30s", "1m30s", "500ms", "1.5h").</summary>
    public static long ParseDuration(string text)
    {
        if (text == "0") return 0;
        long total = 0;
        var i = 0;
        if (text.Length == 0) throw new FormatException("empty duration");
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
            if (start == i) throw new FormatException($"invalid duration {text}");
            var number = decimal.Parse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && !(char.IsDigit(text[i]) || text[i] == '.')) i++;
            var unit = text.Substring(unitStart, i - unitStart) switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                var other => throw new FormatException($"unknown unit {other} in duration {text}"),
            };
            total += (long)(number * unit);
        }

        return total;
    }
}
