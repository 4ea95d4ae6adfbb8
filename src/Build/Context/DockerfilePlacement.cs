using System.Text;

namespace ImageDsl.Build.Context;

/// <summary>
/// Keeps the generated Dockerfile out of what the image can copy. The Engine API's tar path needs the Dockerfile inside
/// the context tar; the classic builder then deletes it, and .dockerignore, from the context before any instruction
/// runs — but only when the context's .dockerignore lists them (moby builder/remotecontext/detect.go, removeDockerfile).
/// So the Dockerfile gets a name that .dockerignore excludes, without changing a .dockerignore that COPY could copy:
/// <list type="number">
/// <item>no .dockerignore in the context: the tar carries one that lists itself and the Dockerfile, and both vanish;</item>
/// <item>the context's .dockerignore already excludes the default name: nothing to add;</item>
/// <item>it excludes itself: the Dockerfile's name is appended (the file vanishes before COPY runs);</item>
/// <item>otherwise a root-level name one of its patterns already excludes, when one can be formed.</item>
/// </list>
/// BuildKit applies no .dockerignore to a tar context; with BuildKit the session's file sync sends the Dockerfile
/// apart from the context instead.
/// </summary>
public static class DockerfilePlacement
{
    /// <summary>
    /// The layout for a build: for the classic builder, one that keeps the Dockerfile out of COPY; when none can and
    /// a read of the definition could copy it (COPY ., a pattern matching its name), IMAGEDSL2011.
    /// </summary>
    public static ContextLayout For(Docker.BuilderKind builder, string imageName, IReadOnlyList<ContextEntry> entries, string contextDirectory,
        IEnumerable<Metadata.ContextPath> reads, IReadOnlyDictionary<string, string> buildArgs)
    {
        if (builder != Docker.BuilderKind.Classic) return ContextLayout.Plain(entries);
        return ForClassicBuilder(entries, contextDirectory)
            ?? (ContextReads.CanRead(reads, buildArgs, ContextPacker.DockerfileName)
                ? throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.DockerfileWouldBeCopied, imageName, Path.Combine(contextDirectory, ".dockerignore"), ContextPacker.DockerfileName)
                : ContextLayout.Plain(entries));
    }

    /// <summary>The layout for the classic builder, or null when no name keeps the Dockerfile out of COPY.</summary>
    public static ContextLayout? ForClassicBuilder(IReadOnlyList<ContextEntry> entries, string contextDirectory)
    {
        const string name = ContextPacker.DockerfileName;
        var path = Path.Combine(contextDirectory, ".dockerignore");
        if (!entries.Any(e => e.RelativePath == ".dockerignore")) return new ContextLayout(entries, name, ".dockerignore\n" + name + "\n");

        var text = File.ReadAllText(path);
        var ignore = DockerIgnore.Parse(text);
        if (ignore.IsExcluded(name)) return new ContextLayout(entries, name, null);
        if (ignore.IsExcluded(".dockerignore")) return new ContextLayout(entries, name, text + (text.EndsWith('\n') || text.Length == 0 ? "" : "\n") + name + "\n");

        var taken = new HashSet<string>(entries.Select(e => e.RelativePath), StringComparer.Ordinal);
        foreach (var pattern in ignore.ExcludingPatterns)
        {
            if (NameMatching(pattern) is { } candidate && !taken.Contains(candidate) && ignore.IsExcluded(candidate))
            {
                return new ContextLayout(entries, candidate, null);
            }
        }

        return null;
    }

    /// <summary>
    /// A root-level file name that <paramref name="pattern"/> matches, built by reading it left to right: '*' and '**'
    /// match "imagedsl", '?' matches 'x', a class its first member, '\c' the character c. Null for a pattern that needs a
    /// directory (a '/' after the first component), which would leave an empty directory behind in the context.
    /// </summary>
    internal static string? NameMatching(string pattern)
    {
        while (pattern.StartsWith("**/", StringComparison.Ordinal)) pattern = pattern.Substring(3);
        var name = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '/':
                    return null;
                case '*':
                    name.Append(".imagedsl");
                    while (i + 1 < pattern.Length && pattern[i + 1] == '*') i++;
                    break;
                case '?':
                    name.Append('x');
                    break;
                case '\\' when i + 1 < pattern.Length:
                    name.Append(pattern[++i]);
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 2);
                    if (end < 0 || pattern[i + 1] is '^' or '!') return null;
                    name.Append(pattern[i + 1] == '\\' ? pattern[i + 2] : pattern[i + 1]);
                    i = end;
                    break;
                default:
                    name.Append(c);
                    break;
            }
        }

        var text = name.ToString();
        return text.Length == 0 || text is "." or ".." || text == ".dockerignore" ? null : text;
    }
}
