extern alias tool;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using tool::ImageDsl.Build.Parsing;

namespace ImageDsl.Tests.Import;

/// <summary>
/// What BuildKit builds from a Dockerfile, as comparable text: the stages the final stage needs (keyed by name;
/// unnamed referenced stages as <c>stage-N</c>, the final one as <c>final</c>), each instruction with its flags (as a
/// set, which is how BuildKit reads them) and its arguments after the word lexer (quotes and escapes resolved,
/// variables kept as references), JSON forms as their strings, heredocs as their content. Comments and formatting are
/// not part of it. One equivalence follows how the builders read a file: an ARG without a default inside a stage takes
/// the global ARG's default.
/// </summary>
internal static class InstructionStream
{
    /// <summary>
    /// The stream of <paramref name="dockerfile"/>, without the instructions on <paramref name="excludedLines"/>; a stage
    /// whose FROM is excluded is left out whole, and so is every stage named in <paramref name="excludedStages"/> (the
    /// ids of the stages left out are added to it).
    /// </summary>
    public static string Of(string dockerfile, ISet<int>? excludedLines = null, ISet<string>? excludedStages = null)
    {
        var document = DockerfileReader.Parse(dockerfile);
        var escape = document.Escape;
        var stages = new List<(DockerfileInstruction From, List<DockerfileInstruction> Body, string? Name)>();
        var meta = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var i in document.Instructions)
        {
            if (i.Keyword == "from")
            {
                var words = DockerfileReader.Words(i.Rest, escape);
                stages.Add((i, new List<DockerfileInstruction>(), words.Count == 3 ? words[2].ToLowerInvariant() : null));
            }
            else if (stages.Count == 0)
            {
                foreach (var word in DockerfileReader.Words(i.Rest, escape))
                {
                    var equals = word.IndexOf('=');
                    meta[equals < 0 ? word : word[..equals]] = equals < 0 ? null : Lex(word[(equals + 1)..], escape);
                }
            }
            else if (excludedLines?.Contains(i.Line) != true)
            {
                stages[^1].Body.Add(i);
            }
        }

        int? Find(string reference, int before)
        {
            if (int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return index < before ? index : null;
            var found = stages.FindIndex(s => s.Name == reference.ToLowerInvariant());
            return found >= 0 && found < before ? found : null;
        }

        string Id(int index) => index == stages.Count - 1 ? "final" : stages[index].Name ?? "stage-" + index;

        IEnumerable<int> References(int index)
        {
            var image = DockerfileReader.Words(stages[index].From.Rest, escape)[0];
            if (Find(image, index) is { } b) yield return b;
            foreach (var i in stages[index].Body)
            {
                if (i.Keyword == "copy" && i.Flag("from") is { } from && Find(from, index) is { } c) yield return c;
                foreach (var mount in i.Flags.Where(f => f.Key == "mount" && f.Value is not null))
                {
                    var source = Fields(mount.Value!).FirstOrDefault(f => f.Key == "from").Value;
                    if (source is not null && Find(source, index) is { } m) yield return m;
                }
            }
        }

        var reachable = new SortedSet<int> { stages.Count - 1 };
        var pending = new Stack<int>(reachable);
        while (pending.Count > 0)
        {
            foreach (var r in References(pending.Pop()).Where(reachable.Add)) pending.Push(r);
        }

        var lines = new List<string>();
        var usedMeta = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var index in reachable.OrderBy(Id, StringComparer.Ordinal))
        {
            var (from, body, _) = stages[index];
            if (excludedLines?.Contains(from.Line) == true) excludedStages?.Add(Id(index));
            if (excludedStages?.Contains(Id(index)) == true) continue;
            var image = DockerfileReader.Words(from.Rest, escape)[0];
            foreach (Match m in Regex.Matches(image, @"\$\{?([A-Za-z_][A-Za-z0-9_]*)")) usedMeta.Add(m.Groups[1].Value);
            lines.Add($"[{Id(index)}] from {(Find(image, index) is { } b ? "stage " + Id(b) : Lex(image, escape))}{Flags(from, escape, _ => null)}");
            var arguments = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var i in body)
            {
                foreach (var line in Instruction(i, escape, meta, r => Find(r, index) is { } s ? Id(s) : null)) lines.Add($"[{Id(index)}] {line}");
            }
        }

        foreach (var name in usedMeta.Where(meta.ContainsKey)) lines.Insert(0, $"meta arg {name}={meta[name]}");
        return string.Join("\n", lines);
    }

    private static IEnumerable<string> Instruction(DockerfileInstruction i, char escape, Dictionary<string, string?> meta, Func<string, string?> stage)
    {
        var flags = Flags(i, escape, stage);
        // A heredoc's delimiter is a name, not content: what it is called (and whether it is quoted, which only
        // matters for text with '$', which import refuses) does not change the instruction.
        if (i.Heredocs.Count > 0) i = i with { Rest = Regex.Replace(i.Rest, @"\d*<<-?(""[^""]*""|'[^']*'|\S+)", "<<heredoc") };
        var heredocs = string.Concat(i.Heredocs.Select(h => $" <<{Quote(h.Content)}"));
        switch (i.Keyword)
        {
            case "env" or "label":
            {
                var words = DockerfileReader.Words(i.Rest, escape);
                if (words.Count > 0 && !words[0].Contains('='))
                {
                    var keyEnd = i.Rest.IndexOfAny(new[] { ' ', '\t' });
                    yield return $"{i.Keyword} {Lex(words[0], escape)}={Lex(i.Rest[keyEnd..].TrimStart(' ', '\t'), escape)}";
                    yield break;
                }

                // Several pairs are one instruction (one history entry), not one per pair.
                yield return i.Keyword + string.Concat(words.Select(word =>
                {
                    var equals = word.IndexOf('=');
                    return $" {Lex(word[..equals], escape)}={Lex(word[(equals + 1)..], escape)}";
                }));
                yield break;
            }

            case "arg":
                foreach (var word in DockerfileReader.Words(i.Rest, escape))
                {
                    var equals = word.IndexOf('=');
                    var name = equals < 0 ? word : word[..equals];
                    var value = equals < 0 ? (meta.TryGetValue(name, out var global) ? global : null) : Lex(word[(equals + 1)..], escape);
                    yield return $"arg {name}{(value is null ? "" : "=" + value)}";
                }

                yield break;
            case "run" or "cmd" or "entrypoint" or "shell":
                yield return $"{i.Keyword}{flags} {Command(i.Json, i.Rest)}{heredocs}";
                yield break;
            case "expose":
                yield return "expose " + string.Join(" ", DockerfileReader.Words(i.Rest, escape).Select(w => Lex(w, escape)).Select(p => p.EndsWith("/tcp", StringComparison.OrdinalIgnoreCase) ? p[..^4] : p.ToLowerInvariant()));
                yield break;
            case "user" or "workdir":
                // parseString: the whole rest of the line is one word, blanks included.
                yield return $"{i.Keyword} {Quote(Lex(i.Rest, escape))}";
                yield break;
            case "stopsignal":
            {
                var signal = Lex(i.Rest.Trim(), escape).ToUpperInvariant();
                if (!signal.StartsWith("SIG", StringComparison.Ordinal) && !char.IsDigit(signal[0])) signal = "SIG" + signal;
                yield return "stopsignal " + (Enum.TryParse<ImageDsl.Signal>(signal, out var known) && !char.IsDigit(signal[0]) ? ((int)known).ToString(CultureInfo.InvariantCulture) : signal);
                yield break;
            }

            case "healthcheck":
            {
                var rest = i.Rest.Trim();
                if (rest.Equals("NONE", StringComparison.OrdinalIgnoreCase))
                {
                    yield return "healthcheck none";
                    yield break;
                }

                var command = rest[3..].TrimStart();
                yield return $"healthcheck{flags} {Command(DockerfileReader.Read("CMD " + command).Instructions.Single().Json, command)}";
                yield break;
            }

            case "onbuild":
                foreach (var trigger in Instruction(DockerfileReader.Read(i.Rest).Instructions.Single(), escape, meta, stage)) yield return "onbuild " + trigger;
                yield break;
            default:
            {
                var words = i.Json ?? DockerfileReader.Words(i.Rest, escape).Select(w => Lex(w, escape)).ToList();
                yield return $"{i.Keyword}{flags} {string.Join(" ", words.Select(Quote))}{heredocs}";
                yield break;
            }
        }
    }

    private static string Command(IReadOnlyList<string>? json, string rest) => json is null ? "shell " + Quote(rest.Trim()) : "exec " + string.Join(" ", json.Select(Quote));

    private static string Flags(DockerfileInstruction i, char escape, Func<string, string?> stage)
    {
        var flags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in i.Flags)
        {
            flags.Add(name switch
            {
                "from" when stage(value!) is { } id => "from=stage " + id,
                "mount" => "mount=" + string.Join(",", Fields(value!).Select(f => f.Key == "from" && stage(f.Value!) is { } id ? "from=stage " + id : f.Key + (f.Value is null ? "" : "=" + f.Value)).OrderBy(f => f, StringComparer.Ordinal)),
                "interval" or "timeout" or "start-period" or "start-interval" => name + "=" + Duration(value!).TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms",
                "link" or "parents" or "keep-git-dir" when value is null or "true" => name,
                "chmod" when Regex.IsMatch(value!, "^[0-7]+$") => "chmod=" + Convert.ToInt32(value, 8).ToString(CultureInfo.InvariantCulture),
                _ => name + (value is null ? "" : "=" + Lex(value, escape)),
            });
        }

        return flags.Count == 0 ? "" : " " + string.Join(" ", flags.Select(f => "--" + f));
    }

    /// <summary>A RUN --mount's fields, with BuildKit's aliases folded (dst → target, src → source, readonly → ro).</summary>
    private static IEnumerable<KeyValuePair<string, string?>> Fields(string spec)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal) { ["type"] = "bind" };
        foreach (var part in spec.Split(','))
        {
            var pair = part.Split('=', 2);
            var key = pair[0].ToLowerInvariant() switch { "dst" or "destination" => "target", "src" => "source", "readonly" => "ro", "readwrite" => "rw", var k => k };
            var value = pair.Length == 2 ? pair[1] : null;
            if (key is "ro" or "rw" or "required" && value is "true") value = null;
            if (key is "ro" or "rw" or "required" && value is "false") continue;
            fields[key] = value;
        }

        if (fields["type"] == "secret" && !fields.ContainsKey("id") && fields.TryGetValue("target", out var target)) fields["id"] = target![(target!.LastIndexOf('/') + 1)..];
        if (fields["type"] is "cache" && fields.TryGetValue("sharing", out var sharing) && sharing == "shared") fields.Remove("sharing");
        return fields;
    }

    private static TimeSpan Duration(string text)
    {
        var ticks = 0m;
        foreach (Match m in Regex.Matches(text, @"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)"))
        {
            ticks += decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value switch
            {
                "h" => 36_000_000_000m, "m" => 600_000_000m, "s" => 10_000_000m, "ms" => 10_000m, "us" or "µs" => 10m, _ => 0.01m,
            };
        }

        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The word after BuildKit's lexer, variables kept as <c>${NAME}</c>.</summary>
    private static string Lex(string word, char escape) => new ShellWords(escape, name => "${" + name + "}").Word(word);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
