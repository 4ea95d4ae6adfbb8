using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ImageDsl.Rendering
{
    /// <summary>
    /// Every rule about how a value can be written in a Dockerfile, in one place. The rules come from BuildKit's
    /// own parser (moby/buildkit frontend/dockerfile/parser: parser.go, split_command.go, line_parsers.go) and
    /// word lexer (frontend/dockerfile/shell/lex.go); the comments cite what each rule protects against.
    /// </summary>
    public static partial class Syntax
    {
        private static readonly Regex StageName = new Regex(@"^[a-z][a-z0-9\-_.]*$", RegexOptions.CultureInvariant);
        private static readonly Regex Checksum = new Regex("^sha256:[0-9a-f]{64}$", RegexOptions.CultureInvariant);

        /// <summary>ARG and <c>${NAME}</c> names: what lex.go's processName reads as one name.</summary>
        public static bool IsVariableName(string? name)
        {
            if (string.IsNullOrEmpty(name) || !(char.IsLetter(name![0]) && name[0] < 128 || name[0] == '_')) return false;
            foreach (var c in name) if (!(c < 128 && (char.IsLetterOrDigit(c) || c == '_'))) return false;
            return true;
        }

        /// <summary>ENV keys: no '=' (the parser splits key=value at the first one), no blanks, quotes or '$'.</summary>
        public static bool IsEnvKey(string? key)
        {
            if (string.IsNullOrEmpty(key) || char.IsDigit(key![0])) return false;
            foreach (var c in key) if (!(c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '.' or '-'))) return false;
            return true;
        }

        /// <summary>BuildKit's stage-name rule (instructions/parse.go).</summary>
        public static bool IsStageName(string? name) => name is not null && StageName.IsMatch(name);

        public static bool IsImageReference(string? reference) => ReferenceGrammar.IsImageReference(reference);

        /// <summary>A repository name without tag or digest, as <c>[Image("name")]</c> takes.</summary>
        public static bool IsRepositoryName(string? name) => ReferenceGrammar.IsRepositoryName(name);

        public static bool IsTag(string? tag) => ReferenceGrammar.IsTag(tag);

        public static bool IsChecksum(string? checksum) => checksum is not null && Checksum.IsMatch(checksum);

        /// <summary>
        /// The text a value has when every build argument takes its default, as docker substitutes ${NAME} when no
        /// value is given; null when an argument has no default (its value only exists at build time) or the value
        /// refers to an environment variable.
        /// </summary>
        public static string? WithDefaults(Value value)
        {
            var builder = new StringBuilder();
            foreach (var part in value.Parts)
            {
                if (part.Literal is not null) builder.Append(part.Literal);
                else if (part.Argument?.Default is { } defaultValue && WithDefaults(defaultValue) is { } expanded) builder.Append(expanded);
                else return null;
            }

            return builder.ToString();
        }

        public static void RequireImageReference(string reference, string parameter)
        {
            if (!IsImageReference(reference))
            {
                throw new DockerfileException(DiagnosticIds.InvalidImageReference,
                    $"'{reference}' is not an image reference: write [registry/]name[:tag][@digest] with a lowercase name, e.g. busybox:1.36.", parameter);
            }
        }

        /// <summary>Text that may span lines (exec arguments, heredocs): no NUL and no unpaired surrogate, which UTF-8 cannot carry.</summary>
        public static void RequireText(string text, string what, string parameter)
        {
            if (text is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{Capital(what)} cannot be null.", parameter);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\0')
                {
                    throw new DockerfileException(DiagnosticIds.InexpressibleValue, $"{Capital(what)} cannot contain a NUL character: no process argument, variable or file name can.", parameter);
                }

                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(c))
                {
                    throw new DockerfileException(DiagnosticIds.InexpressibleValue, $"{Capital(what)} contains an unpaired surrogate (U+{(int)c:X4}), which UTF-8 cannot encode.", parameter);
                }
            }
        }

        /// <summary>
        /// A value on one instruction line. The parser reads the file line by line (bufio.Scanner drops '\r' at a
        /// line's end), so a line break cannot be part of ENV, LABEL, WORKDIR, USER or a path.
        /// </summary>
        public static void RequireSingleLine(string text, string what, string parameter)
        {
            RequireText(text, what, parameter);
            if (text.IndexOf('\n') >= 0 || text.IndexOf('\r') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                    $"{Capital(what)} cannot contain a line break: a Dockerfile instruction is one line. Put multi-line content in a file and COPY it, or use the exec form of RUN/CMD.", parameter);
            }
        }

        public static void RequireSingleLine(Value value, string what, string parameter)
        {
            foreach (var part in value.Parts)
            {
                if (part.Literal is not null) RequireSingleLine(part.Literal, what, parameter);
            }
        }

        /// <summary>Heredoc bodies: any lines, but no '\r' (the scanner would drop it) and no NUL.</summary>
        public static void RequireHeredoc(string text, string parameter)
        {
            RequireText(text, "heredoc content", parameter);
            if (text.IndexOf('\r') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue, "Heredoc content cannot contain a carriage return: the parser drops it at the end of each line.", parameter);
            }
        }

        /// <summary>
        /// Values inside a flag (<c>--chown=</c>, <c>--exclude=</c>, mount options). extractBuilderFlags reads flags
        /// byte by byte with its own quoting and mount options are comma-separated, so a flag value is limited to
        /// printable ASCII without blanks, quotes, backslashes, commas or '$' (which --chown and --from expand).
        /// </summary>
        public static void RequireFlagSafe(string value, string what, string parameter, bool allowComma = false)
        {
            if (value is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{Capital(what)} cannot be null.", parameter);
            if (value.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, $"{Capital(what)} cannot be empty.", parameter);
            foreach (var c in value)
            {
                var ok = c > ' ' && c < 127 && c is not ('"' or '\'' or '\\' or '`' or '$') && (c != ',' || allowComma);
                if (!ok)
                {
                    var shown = c < ' ' || c >= 127 ? $"U+{(int)c:X4}" : $"'{c}'";
                    throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                        $"{Capital(what)} '{value}' contains {shown}, which a Dockerfile flag cannot carry: flags take printable ASCII without blanks, quotes, backslashes, commas or '$'. Rename the file or directory, or copy it in a RUN step.", parameter);
                }
            }
        }

        internal static string Flag(string value, string what, string parameter)
        {
            RequireFlagSafe(value, what, parameter);
            return value;
        }

        internal static string? OptionalFlag(string? value, string what, string parameter) => value is null ? null : Flag(value, what, parameter);

        /// <summary>A word that needs no quoting at all (heredoc COPY destinations, readable COPY lines).</summary>
        public static bool IsPlainWord(Value value)
        {
            if (value.Parts.Count == 0) return false;
            foreach (var part in value.Parts)
            {
                if (part.Literal is null) continue;
                if (part.Literal.StartsWith("[", StringComparison.Ordinal)) return false;
                foreach (var c in part.Literal)
                {
                    var ok = c > ' ' && c < 127 && c is not ('"' or '\'' or '\\' or '`' or '$' or '[' or ']' or '#');
                    if (!ok) return false;
                }
            }

            return true;
        }

        public static void RequirePlainWord(Value value, string what, string parameter)
        {
            if (value is null || !IsPlainWord(value))
            {
                throw new DockerfileException(DiagnosticIds.InexpressibleValue,
                    $"{Capital(what)} '{value}' must be a plain path (printable ASCII without blanks, quotes, backslashes or '$'): the heredoc form has no JSON syntax to quote it.", parameter);
            }
        }

        public static void RequireDuration(TimeSpan? duration, string parameter)
        {
            if (duration is { } d && (d.Ticks < TimeSpan.TicksPerMillisecond))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument, $"A health check duration must be at least 1 ms; {parameter} is {d}.", parameter);
            }
        }

        /// <summary>
        /// True when a shell-form command survives the parser unchanged: splitCommand trims surrounding blanks,
        /// a trailing escape character (plus blanks) continues the line, a leading "--" is read as a flag, a leading
        /// '[' may be read as the JSON exec form, newer frontends read "&lt;&lt;" as a heredoc, and a line break ends it.
        /// </summary>
        public static bool IsExactShellForm(string command, char escape)
        {
            if (command.Length == 0) return false;
            if (IsGoSpace(command[0]) || IsGoSpace(command[command.Length - 1])) return false;
            if (command.StartsWith("--", StringComparison.Ordinal) || command.StartsWith("[", StringComparison.Ordinal)) return false;
            if (command.IndexOf('\n') >= 0 || command.IndexOf('\r') >= 0 || command.IndexOf("<<", StringComparison.Ordinal) >= 0) return false;
            var end = command.Length - 1;
            while (end >= 0 && command[end] is ' ' or '\t') end--;
            return end < 0 || command[end] != escape;
        }

        /// <summary>The shell-form command line of RUN, CMD, ENTRYPOINT or HEALTHCHECK, or null.</summary>
        public static string? ShellCommandOf(Instruction instruction) => instruction switch
        {
            RunInstruction { Command.IsExec: false } run => run.Command.Arguments[0],
            CmdInstruction { Command.IsExec: false } cmd => cmd.Command.Arguments[0],
            EntrypointInstruction { Command.IsExec: false } entrypoint => entrypoint.Command.Arguments[0],
            HealthcheckInstruction { Test.IsExec: false } health => health.Test!.Arguments[0],
            _ => null,
        };

        /// <summary>
        /// A value as one double-quoted lexer word: inside double quotes lex.go treats only '"', '$' and the escape
        /// character specially, so escaping exactly those three keeps every other byte as written.
        /// </summary>
        public static string Quote(Value value, char escape)
        {
            var builder = new StringBuilder("\"");
            AppendLexed(builder, value, escape, quoted: true);
            return builder.Append('"').ToString();
        }

        public static string Quote(string text, char escape) => Quote(Value.Literal(text), escape);

        /// <summary>A lexer word: bare when <see cref="IsPlainWord"/> (for readability), else <see cref="Quote(Value, char)"/>.</summary>
        public static string Word(Value value, char escape) => IsPlainWord(value) ? LexWord(value, escape) : Quote(value, escape);

        public static string Word(string text, char escape) => Word(Value.Literal(text), escape);

        /// <summary>
        /// A value as an unquoted lexer word for JSON-form COPY/ADD/VOLUME, whose elements still pass through the
        /// word lexer: outside quotes the escape character makes any next character literal.
        /// </summary>
        public static string LexWord(Value value, char escape)
        {
            var builder = new StringBuilder();
            AppendLexed(builder, value, escape, quoted: false);
            return builder.ToString();
        }

        private static void AppendLexed(StringBuilder builder, Value value, char escape, bool quoted)
        {
            foreach (var part in value.Parts)
            {
                if (part.Name is { } name)
                {
                    builder.Append("${").Append(name).Append('}');
                    continue;
                }

                foreach (var c in part.Literal!)
                {
                    if (c == '"' || c == '$' || c == escape || (!quoted && c == '\'')) builder.Append(escape);
                    builder.Append(c);
                }
            }
        }

        /// <summary>A JSON array of strings as Go's encoding/json reads it back exactly.</summary>
        public static string JsonArray(IEnumerable<string> items)
        {
            var builder = new StringBuilder("[");
            var first = true;
            foreach (var item in items)
            {
                if (!first) builder.Append(", ");
                first = false;
                AppendJsonString(builder, item);
            }

            return builder.Append(']').ToString();
        }

        /// <summary>A JSON string literal (quotes included), escaped so that any JSON reader gets the exact text back.</summary>
        public static StringBuilder AppendJsonString(StringBuilder builder, string text)
        {
            builder.Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\t': builder.Append("\\t"); break;
                    default:
                        if (c < ' ' || c == '\u2028' || c == '\u2029') builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else builder.Append(c);
                        break;
                }
            }

            return builder.Append('"');
        }

        /// <summary>A duration as Go's time.ParseDuration reads it, in the largest exact unit.</summary>
        public static string GoDuration(TimeSpan duration)
        {
            var ticks = duration.Ticks;
            if (ticks % TimeSpan.TicksPerHour == 0) return (ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture) + "h";
            if (ticks % TimeSpan.TicksPerMinute == 0) return (ticks / TimeSpan.TicksPerMinute).ToString(CultureInfo.InvariantCulture) + "m";
            if (ticks % TimeSpan.TicksPerSecond == 0) return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
            if (ticks % TimeSpan.TicksPerMillisecond == 0) return (ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms";
            if (ticks % 10 == 0) return (ticks / 10).ToString(CultureInfo.InvariantCulture) + "us";
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
        }

        /// <summary>Whether strings.TrimSpace would change the text: a blank (Go's unicode.IsSpace) at either end.</summary>
        public static bool HasSurroundingGoSpace(string text) => text.Length > 0 && (IsGoSpace(text[0]) || IsGoSpace(text[text.Length - 1]));

        // Go's unicode.IsSpace, which strings.TrimSpace uses.
        private static bool IsGoSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '\u0085' or '\u00A0' || (c > 255 && char.IsWhiteSpace(c));

        private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
