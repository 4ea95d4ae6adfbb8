using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImageDsl.Build.Parsing;

/// <summary>One instruction as BuildKit's parser hands it to the dispatcher: keyword, leading flags, and its arguments.</summary>
/// <param name="Keyword">The instruction, lower case (from, copy, env…).</param>
/// <param name="Flags">The leading <c>--name=value</c> words (value null for a bare <c>--name</c>).</param>
/// <param name="Rest">The text after the flags (for the shell and key=value forms).</param>
/// <param name="Json">The JSON array when the arguments are one (exec form), else null.</param>
/// <param name="Line">The line the instruction starts on (1-based).</param>
/// <param name="Original">The whole instruction as written (continuations joined).</param>
public sealed record DockerfileInstruction(string Keyword, IReadOnlyList<KeyValuePair<string, string?>> Flags, string Rest, IReadOnlyList<string>? Json,
    int Line, string Original)
{
    /// <summary>The instruction's place in the file, counted from 0 (global ARGs included), as the classic builder numbers steps.</summary>
    public int Index { get; init; }

    public string? Flag(string name) => Flags.LastOrDefault(f => f.Key == name).Value;

    public bool HasFlag(string name) => Flags.Any(f => f.Key == name);
}

/// <summary>
/// Reads a Dockerfile the way BuildKit's parser does (moby/buildkit frontend/dockerfile/parser: parser.go,
/// line_parsers.go, split_command.go): the escape directive, comment lines, comment and empty lines inside a
/// continuation, a trailing escape character (plus blanks) continuing the line, leading flags, and the JSON exec form
/// when the arguments parse as a JSON array of strings. Heredocs are not read: the daemon this targets (Engine 20.10)
/// has none, and an instruction with one needs the daemon anyway. Written by hand because no .NET package parses
/// Dockerfiles; it serves the daemonless builder, which must see exactly the instructions the daemon would.
/// </summary>
public static class DockerfileReader
{
    private static readonly Regex Directive = new(@"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$", RegexOptions.CultureInvariant);

    public static (char Escape, IReadOnlyList<DockerfileInstruction> Instructions) Read(string text)
    {
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l.Substring(0, l.Length - 1) : l).ToArray();
        var escape = '\\';
        var start = 0;
        // Parser directives: only at the very top, before any instruction, comment or blank line.
        for (; start < lines.Length; start++)
        {
            var match = Directive.Match(lines[start]);
            if (!match.Success) break;
            if (match.Groups[1].Value.Equals("escape", StringComparison.OrdinalIgnoreCase))
            {
                var value = match.Groups[2].Value;
                if (value is not ("\\" or "`")) throw new FormatException($"invalid escape token '{value}' does not match ` or \\");
                escape = value[0];
            }
        }

        var continuation = new Regex("\\" + escape + @"[ \t]*$", RegexOptions.CultureInvariant);
        var instructions = new List<DockerfileInstruction>();
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t');
            if (line.Length == 0 || line[0] == '#') continue;
            var firstLine = i + 1;
            var joined = new StringBuilder();
            var current = line;
            while (true)
            {
                var match = continuation.Match(current);
                if (!match.Success)
                {
                    joined.Append(current);
                    break;
                }

                joined.Append(current, 0, match.Index);
                // The next line that is neither empty nor a comment continues this one.
                do i++;
                while (i < lines.Length && (lines[i].Trim(' ', '\t').Length == 0 || lines[i].TrimStart(' ', '\t').StartsWith('#')));
                if (i >= lines.Length) break;
                current = lines[i];
            }

            instructions.Add(Split(joined.ToString(), firstLine) with { Index = instructions.Count });
        }

        return (escape, instructions);
    }

    private static DockerfileInstruction Split(string line, int lineNumber)
    {
        var text = line.Trim(' ', '\t');
        var space = text.IndexOfAny(new[] { ' ', '\t' });
        var keyword = (space < 0 ? text : text.Substring(0, space)).ToLowerInvariant();
        var rest = space < 0 ? "" : text.Substring(space + 1).TrimStart(' ', '\t');
        var flags = new List<KeyValuePair<string, string?>>();
        if (keyword is "from" or "copy" or "add" or "run" or "healthcheck")
        {
            // extractBuilderFlags: leading words that start with "--"; a bare "--" ends them.
            while (rest.StartsWith("--", StringComparison.Ordinal))
            {
                var end = rest.IndexOfAny(new[] { ' ', '\t' });
                var word = end < 0 ? rest : rest.Substring(0, end);
                rest = end < 0 ? "" : rest.Substring(end).TrimStart(' ', '\t');
                if (word == "--") break;
                var equals = word.IndexOf('=');
                flags.Add(equals < 0 ? new(word.Substring(2), null) : new(word.Substring(2, equals - 2), word.Substring(equals + 1)));
            }
        }

        return new DockerfileInstruction(keyword, flags, rest, TryJson(rest), lineNumber, text);
    }

    /// <summary>parseMaybeJSON: an array of strings, else null (the shell form).</summary>
    private static IReadOnlyList<string>? TryJson(string rest)
    {
        if (!rest.StartsWith('[')) return null;
        try
        {
            using var document = JsonDocument.Parse(rest);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return null;
            var items = new List<string>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) return null;
                items.Add(item.GetString()!);
            }

            return items;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// parseWords: splits on blanks outside quotes, keeping quotes and escapes in the words (the word lexer removes
    /// them later) — how ENV, LABEL and ARG arguments are cut into key=value words.
    /// </summary>
    public static IReadOnlyList<string> Words(string rest, char escape)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char quote = '\0';
        var blank = true;
        for (var pos = 0; pos < rest.Length; pos++)
        {
            var ch = rest[pos];
            if (blank)
            {
                if (ch is ' ' or '\t') continue;
                blank = false;
            }

            if ((ch is ' ' or '\t') && quote == '\0')
            {
                words.Add(word.ToString());
                word.Clear();
                blank = true;
                continue;
            }

            if (quote == '\0' && ch is '"' or '\'') quote = ch;
            else if (ch == quote) quote = '\0';
            if (ch == escape && pos + 1 < rest.Length)
            {
                word.Append(ch);
                pos++;
                ch = rest[pos];
            }

            word.Append(ch);
        }

        if (!blank) words.Add(word.ToString());
        return words;
    }
}
