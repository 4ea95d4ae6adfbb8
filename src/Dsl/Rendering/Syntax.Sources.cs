using System;
using System.Text;

namespace ImageDsl.Rendering
{
    // How COPY/ADD sources reach the builders. Both read a source as a pattern whenever it holds an unescaped '*', '?'
    // or '[' (BuildKit: tonistiigi/fsutil copy.go containsWildcards/splitWildcards/resolveWildcards; the classic
    // builder: moby builder/dockerfile/copy.go containsWildcards/copyWithWildcards), and then match it with Go's
    // path/filepath.Match, whose '\' escapes the next character. A '\' also hides the next character from
    // containsWildcards, so "a\*" is looked up as the literal name a\* — not what filepath.Match would say. And with
    // BuildKit the source is first a follow path of the context transfer, which the client's fsutil always matches as
    // a pattern (walker.go, prefix.Match with path.Match): a plain name with a '\' in it is not sent at all. The one
    // escape every one of these readers agrees on is a one-character class: "[*]" matches exactly '*', "[\\]" a '\'.
    // Before that, both treat a source that starts with http:// or https:// as a URL (COPY refuses it).
    public static partial class Syntax
    {
        private static readonly string[] RemotePrefixes = { "http://", "https://", "git@", "git://", "ssh://" };
        private static readonly char[] PatternCharacters = { '*', '?', '[' };
        private static readonly char[] GlobOrEscapeCharacters = { '*', '?', '[', '\\' };

        /// <summary>
        /// The source text for a literal path, so that the builders copy exactly the file of that name: a path with a
        /// '*', '?', '[' or '\' has each of them written as a one-character class, and one that would be read as a URL
        /// is anchored with "./". Any other path is written as it is.
        /// </summary>
        public static string EscapeLiteralPath(string path)
        {
            var text = path.IndexOfAny(GlobOrEscapeCharacters) >= 0 ? EscapeGlob(path) : path;
            foreach (var prefix in RemotePrefixes)
            {
                if (text.StartsWith(prefix, StringComparison.Ordinal)) return "./" + text;
            }

            return text;
        }

        /// <summary>A pattern that matches exactly <paramref name="name"/>: each pattern character as a one-character class.</summary>
        public static string EscapeGlob(string name)
        {
            var builder = new StringBuilder(name.Length + 8);
            foreach (var c in name)
            {
                switch (c)
                {
                    case '*': builder.Append("[*]"); break;
                    case '?': builder.Append("[?]"); break;
                    case '[': builder.Append("[[]"); break;
                    case '\\': builder.Append("[\\\\]"); break;
                    default: builder.Append(c); break;
                }
            }

            return builder.ToString();
        }

        /// <summary>True when a builder would read <paramref name="path"/> as a pattern (containsWildcards).</summary>
        public static bool HasWildcard(string path)
        {
            for (var i = 0; i < path.Length; i++)
            {
                if (path[i] == '\\') i++;
                else if (path[i] is '*' or '?' or '[') return true;
            }

            return false;
        }

        /// <summary>True when <paramref name="path"/> holds a character a pattern reader treats specially.</summary>
        public static bool HasPatternCharacter(string path) => path.IndexOfAny(PatternCharacters) >= 0;

        /// <summary>
        /// A <see cref="Glob"/>'s text as the builders must see it: a "\c" escape outside a class becomes "[c]", so
        /// that the pattern means what filepath.Match says in both builders (see the note at the top of this file).
        /// </summary>
        public static Value GlobText(Value pattern)
        {
            var parts = new Value[pattern.Parts.Count];
            for (var i = 0; i < parts.Length; i++)
            {
                var part = pattern.Parts[i];
                parts[i] = part.Argument is not null ? Value.Of(part.Argument) : part.Variable is not null ? Value.Env(part.Variable) : Value.Literal(ClassEscapes(part.Literal!));
            }

            return Value.Concat(parts);
        }

        private static string ClassEscapes(string pattern)
        {
            var builder = new StringBuilder(pattern.Length);
            var inClass = false;
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '\\' && i + 1 < pattern.Length)
                {
                    var next = pattern[++i];
                    if (inClass) builder.Append('\\').Append(next);
                    else builder.Append(next == '\\' ? "[\\\\]" : "[" + next + "]");
                    continue;
                }

                if (c == '[' && !inClass)
                {
                    inClass = true;
                    builder.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^') builder.Append(pattern[++i]);
                    continue;
                }

                if (c == ']' && inClass) inClass = false;
                builder.Append(c);
            }

            return builder.ToString();
        }

        /// <summary>
        /// Refuses a pattern that filepath.Match rejects (ErrBadPattern): an unclosed or empty class, a range or class
        /// member that is an unescaped '-' or ']', or a '\' with nothing after it. Each literal part is checked on its
        /// own: a class or escape cannot span a build argument.
        /// </summary>
        public static void RequireGlob(Value pattern, string parameter)
        {
            RequireNoVariable(pattern, "a pattern", parameter);
            foreach (var part in pattern.Parts)
            {
                if (part.Literal is null) continue;
                RequireText(part.Literal, "a pattern", parameter);
                if (GlobError(part.Literal) is { } error)
                {
                    throw new DockerfileException(DiagnosticIds.InvalidArgument,
                        $"'{part.Literal}' is not a valid pattern: {error}. Patterns use Go's filepath.Match syntax: *, ?, [a-z], [^a-z], and \\ before a character to match it literally.", parameter);
                }
            }
        }

        // Go's matchChunk/getEsc, reduced to their well-formedness checks.
        private static string? GlobError(string pattern)
        {
            var i = 0;
            while (i < pattern.Length)
            {
                var c = pattern[i];
                if (c == '\\')
                {
                    if (i + 1 >= pattern.Length) return "it ends with a lone '\\'";
                    i += 2;
                }
                else if (c == '[')
                {
                    i++;
                    if (i < pattern.Length && pattern[i] == '^') i++;
                    var members = 0;
                    while (true)
                    {
                        if (i < pattern.Length && pattern[i] == ']' && members > 0)
                        {
                            i++;
                            break;
                        }

                        if (ClassCharacter(pattern, ref i) is { } bad) return bad;
                        if (i < pattern.Length && pattern[i] == '-')
                        {
                            i++;
                            if (ClassCharacter(pattern, ref i) is { } badRange) return badRange;
                        }

                        members++;
                    }
                }
                else
                {
                    i++;
                }
            }

            return null;
        }

        private static string? ClassCharacter(string pattern, ref int i)
        {
            if (i >= pattern.Length) return "a '[' class is not closed with ']'";
            if (pattern[i] is '-' or ']') return $"'{pattern[i]}' must be written '\\{pattern[i]}' inside a class";
            if (pattern[i] == '\\')
            {
                i++;
                if (i >= pattern.Length) return "a '[' class is not closed with ']'";
            }

            i += char.IsHighSurrogate(pattern[i]) && i + 1 < pattern.Length ? 2 : 1;
            return i >= pattern.Length ? "a '[' class is not closed with ']'" : null;
        }

        /// <summary>
        /// A literal source path cannot hold a build argument: docker substitutes the value and then reads it as a
        /// pattern, and an unknown value cannot be escaped. The alternative is to say it is a pattern.
        /// </summary>
        public static void RequireLiteralSource(Value source, string parameter)
        {
            RequireNoVariable(source, "a COPY/ADD source", parameter);
            if (!source.IsLiteral)
            {
                throw new DockerfileException(DiagnosticIds.SourceArgumentIsPattern,
                    $"The source '{source}' holds a build argument, and docker reads its value as a pattern ('*', '?' and '[' in it would match other files): write Glob.Of(...) around the source to say it is a pattern.", parameter);
            }
        }

        /// <summary>
        /// Where docker does not expand the environment (FROM), or where ImageDsl must know the text before the build
        /// (sources and patterns: only the context files they can match are sent), an environment variable cannot stand.
        /// </summary>
        public static void RequireNoVariable(Value value, string what, string parameter)
        {
            foreach (var name in value.Variables)
            {
                throw new DockerfileException(DiagnosticIds.MisplacedEnvironmentVariable,
                    $"{Capital(what)} cannot refer to the environment variable {name}: " + (what == "an image"
                        ? "FROM sees only the build arguments declared before the first FROM. Use a BuildArg."
                        : "ImageDsl sends only the build-context files a source can match, so it must know the source before the build. Write the path, or use a BuildArg."),
                    parameter);
            }
        }

        /// <summary>An ADD URL: http(s), git or ssh, on one line; written as the user wrote it.</summary>
        public static Value RequireUrl(Uri url, string parameter)
        {
            if (url is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A URL cannot be null.", parameter);
            var text = url.OriginalString;
            RequireSingleLine(text, "a URL", parameter);
            if (!url.IsAbsoluteUri || !(url.Scheme is "http" or "https" or "git" or "ssh") || text.IndexOf(' ') >= 0)
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{text}' is not a URL ADD can fetch: use an absolute http://, https://, git:// or ssh:// URL without blanks.", parameter);
            }

            return Value.Literal(text);
        }

        /// <summary>The text the builders receive for a COPY/ADD source (before the word lexer's own escaping).</summary>
        public static Value SourceText(CopySource source) => source.Kind switch
        {
            SourceKind.Path => Value.Literal(EscapeLiteralPath(source.Text.LiteralText)),
            SourceKind.Pattern => GlobText(source.Text),
            _ => source.Text,
        };
    }
}
