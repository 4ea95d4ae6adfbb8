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

    /// <summary>The comment lines right before the instruction and inside its continuation lines (text after '#', one leading blank removed).</summary>
    public IReadOnlyList<string> Comments { get; init; } = Array.Empty<string>();

    /// <summary>Where the instruction's physical lines end, as offsets into <see cref="Rest"/> (continuations).</summary>
    public IReadOnlyList<int> RestBreaks { get; init; } = Array.Empty<int>();

    /// <summary>The heredocs of a RUN, COPY or ADD (<c>&lt;&lt;EOF</c>), in order.</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = Array.Empty<Heredoc>();

    public string? Flag(string name) => Flags.LastOrDefault(f => f.Key == name).Value;

    public bool HasFlag(string name) => Flags.Any(f => f.Key == name);
}

/// <summary>A heredoc: its delimiter, its content (each line with its newline), and whether BuildKit expands variables in
/// it (an unquoted delimiter) or strips leading tabs (<c>&lt;&lt;-</c>).</summary>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp);

/// <summary>A whole Dockerfile: its parser directives, its instructions, and the comments after the last one.</summary>
public sealed record DockerfileDocument(char Escape, string? Syntax, string? Check, IReadOnlyList<DockerfileInstruction> Instructions, IReadOnlyList<string> TrailingComments);

/// <summary>
/// Reads a Dockerfile the way BuildKit's parser does (moby/buildkit frontend/dockerfile/parser: parser.go,
/// line_parsers.go, split_command.go): the escape directive, comment lines, comment and empty lines inside a
/// continuation, a trailing escape character (plus blanks) continuing the line, leading flags, and the JSON exec form
/// when the arguments parse as a JSON array of strings, and heredocs on RUN, COPY and ADD (heredocsFromLine,
/// ParseHeredoc). Written by hand because no .NET package parses Dockerfiles; it serves the daemonless builder, which
/// must see exactly the instructions the daemon would, and <c>imagedsl import</c>, which keeps comments too.
/// </summary>
public static class DockerfileReader
{
    private static readonly Regex Directive = new(@"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex HeredocWord = new(@"^(\d*)<<(-?)([^<]*)$", RegexOptions.CultureInvariant);

    public static (char Escape, IReadOnlyList<DockerfileInstruction> Instructions) Read(string text)
    {
        var document = Parse(text);
        return (document.Escape, document.Instructions);
    }

    public static DockerfileDocument Parse(string text)
    {
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l.Substring(0, l.Length - 1) : l).ToArray();
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        var escape = '\\';
        string? syntax = null, check = null;
        var start = 0;
        // Parser directives: only at the very top, before any instruction, comment or blank line.
        for (; start < lines.Length; start++)
        {
            var match = Directive.Match(lines[start]);
            if (!match.Success) break;
            var value = match.Groups[2].Value;
            switch (match.Groups[1].Value.ToLowerInvariant())
            {
                case "escape":
                    if (value is not ("\\" or "`")) throw new FormatException($"invalid escape token '{value}' does not match ` or \\");
                    escape = value[0];
                    break;
                case "syntax":
                    syntax = value;
                    break;
                case "check":
                    check = value;
                    break;
            }
        }

        var continuation = new Regex("\\" + escape + @"[ \t]*$", RegexOptions.CultureInvariant);
        var instructions = new List<DockerfileInstruction>();
        var comments = new List<string>();
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t');
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                comments.Add(CommentText(line));
                continue;
            }

            var firstLine = i + 1;
            var joined = new StringBuilder();
            var breaks = new List<int>();
            var inner = new List<string>();
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
                breaks.Add(joined.Length);
                // The next line that is neither empty nor a comment continues this one.
                do
                {
                    i++;
                    if (i < lines.Length && lines[i].TrimStart(' ', '\t').StartsWith('#')) inner.Add(CommentText(lines[i].TrimStart(' ', '\t')));
                }
                while (i < lines.Length && (lines[i].Trim(' ', '\t').Length == 0 || lines[i].TrimStart(' ', '\t').StartsWith('#')));
                if (i >= lines.Length) break;
                current = lines[i];
            }

            var instruction = Split(joined.ToString(), firstLine) with { Index = instructions.Count, Comments = comments.Concat(inner).ToArray() };
            // Where the physical lines of the instruction end, as offsets into Rest (for writing it back line by line).
            var restStart = joined.Length - joined.ToString().TrimStart(' ', '\t').Length + (instruction.Original.Length - instruction.Rest.Length);
            instruction = instruction with { RestBreaks = breaks.Select(b => b - restStart).Where(b => b > 0 && b < instruction.Rest.Length).ToArray() };
            comments.Clear();
            // Only the shell form reads heredocs (BuildKit's canContainHeredoc: not for a JSON node).
            if (instruction.Keyword is "run" or "copy" or "add" && instruction.Json is null)
            {
                var heredocs = new List<Heredoc>();
                foreach (var (name, expand, chomp) in HeredocMarkers(instruction.Rest))
                {
                    var content = new StringBuilder();
                    for (i++; i < lines.Length; i++)
                    {
                        var body = chomp ? lines[i].TrimStart('\t') : lines[i];
                        if (body == name) break;
                        content.Append(body).Append('\n');
                    }

                    if (i >= lines.Length) throw new FormatException($"line {firstLine}: the heredoc '{name}' is never closed");
                    heredocs.Add(new Heredoc(name, content.ToString(), expand, chomp));
                }

                instruction = instruction with { Heredocs = heredocs };
            }

            instructions.Add(instruction);
        }

        return new DockerfileDocument(escape, syntax, check, instructions, comments);
    }

    private static string CommentText(string line)
    {
        var text = line.Substring(1);
        return text.StartsWith(' ') ? text.Substring(1) : text;
    }

    /// <summary>heredocsFromLine + ParseHeredoc: the words <c>[n]&lt;&lt;[-]NAME</c>, NAME unquoted; a quoted NAME is not expanded.</summary>
    private static IEnumerable<(string Name, bool Expand, bool Chomp)> HeredocMarkers(string rest)
    {
        foreach (var word in Words(rest, '\\'))
        {
            var match = HeredocWord.Match(word);
            if (!match.Success || match.Groups[3].Value.Length == 0) continue;
            var raw = match.Groups[3].Value;
            var name = new ShellWords('\\', new Dictionary<string, string>()).Word(raw);
            yield return (name, name == raw, match.Groups[2].Value == "-");
        }
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

    /// <summary>parseNameVal: the key=value words of an ENV or LABEL, or the legacy "KEY value" form; neither lexed yet.</summary>
    public static IEnumerable<(string Key, string Value)> NameValues(DockerfileInstruction instruction, char escape)
    {
        var words = Words(instruction.Rest, escape);
        if (words.Count > 0 && !words[0].Contains('='))
        {
            var rest = instruction.Rest.TrimStart(' ', '\t').Substring(words[0].Length).TrimStart(' ', '\t');
            return new[] { (words[0], rest) };
        }

        return words.Select(w => (w.Substring(0, w.IndexOf('=')), w.Substring(w.IndexOf('=') + 1)));
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
