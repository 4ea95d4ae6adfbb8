using ImageDsl.Rendering;

namespace ImageDsl
{
    /// <summary>
    /// A pattern, where a plain string would be a literal path: a COPY/ADD source that copies every matching file
    /// (<c>Glob.Of("*.csproj")</c>), or an <c>--exclude</c> pattern. The syntax is the builders' own, Go's
    /// <c>path/filepath.Match</c>: <c>*</c> any run of characters except <c>/</c>, <c>?</c> one such character,
    /// <c>[abc]</c>, <c>[a-z]</c>, <c>[^a-z]</c> character classes, <c>\c</c> the character <c>c</c> itself. In an
    /// <c>--exclude</c> value, <c>**</c> also matches any number of directories (.dockerignore syntax). A build argument
    /// inside a pattern is pattern text too: docker matches its value.
    /// </summary>
    public sealed record Glob
    {
        private Glob(Value pattern, string? exactPath)
        {
            Pattern = pattern;
            ExactPath = exactPath;
        }

        /// <summary>The pattern text, with build-argument references.</summary>
        public Value Pattern { get; }

        /// <summary>For <see cref="Literal"/>: the one path this stands for (a COPY/ADD source then copies exactly it).</summary>
        public string? ExactPath { get; }

        /// <summary>A pattern in filepath.Match syntax; a malformed one (an unclosed <c>[</c>, say) is refused.</summary>
        public static Glob Of(Value pattern)
        {
            if (pattern is null) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A pattern cannot be null.", nameof(pattern));
            Syntax.RequireGlob(pattern, nameof(pattern));
            return new Glob(pattern, null);
        }

        /// <summary>
        /// Exactly the path <paramref name="path"/>, whatever characters it holds: to list an exact name among patterns,
        /// or to say that a name with '*', '?' or '[' is meant literally (no IDSL0020 warning). As a COPY/ADD source it is
        /// a literal path (checked to exist before the build); in --exclude, a pattern matching only that name.
        /// </summary>
        public static Glob Literal(string path)
        {
            Syntax.RequireText(path, "a path", nameof(path));
            if (path.Length == 0) throw new DockerfileException(DiagnosticIds.InvalidArgument, "A path cannot be empty.", nameof(path));
            return new Glob(Value.Literal(Syntax.EscapeGlob(path)), path);
        }

        public override string ToString() => Pattern.ToString();
    }
}
