using System.Text;
using System.Text.RegularExpressions;

namespace ImageDsl.Build.Context;

/// <summary>
/// .dockerignore as the docker CLI reads it (moby/patternmatcher): one pattern per line, '#' comments, blank lines
/// ignored, '!' for exceptions, '**' for any number of directories, '*' and '?' within one path segment, '\' to
/// escape. A pattern matches a path or any of its parent directories, and the last matching pattern decides.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<Pattern> _patterns;

    private DockerIgnore(IReadOnlyList<Pattern> patterns) => _patterns = patterns;

    public static readonly DockerIgnore Empty = new(Array.Empty<Pattern>());

    public bool HasExceptions => _patterns.Any(p => p.IsException);

    /// <summary>The cleaned texts of the patterns that exclude (not the '!' exceptions), in file order.</summary>
    public IEnumerable<string> ExcludingPatterns => _patterns.Where(p => !p.IsException).Select(p => p.Text);

    public static DockerIgnore Load(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : Empty;
    }

    public static DockerIgnore Parse(string text)
    {
        var patterns = new List<Pattern>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exception = line.StartsWith('!');
            if (exception) line = line.Substring(1).Trim();
            line = Clean(line);
            if (line.Length == 0) continue;
            patterns.Add(new Pattern(line, exception, ToRegex(line)));
        }

        return new DockerIgnore(patterns);
    }

    /// <summary>Whether a context-relative path ('/'-separated) is left out of the build context.</summary>
    public bool IsExcluded(string relativePath)
    {
        var excluded = false;
        foreach (var pattern in _patterns)
        {
            if (excluded == !pattern.IsException) continue; // cannot change the outcome
            if (MatchesOrParentMatches(pattern, relativePath)) excluded = !pattern.IsException;
        }

        return excluded;
    }

    /// <summary>
    /// Whether a whole excluded directory can be skipped: only when no exception pattern could re-include
    /// something below it.
    /// </summary>
    public bool CanSkipDirectory(string relativeDirectory) =>
        IsExcluded(relativeDirectory) && !_patterns.Any(p => p.IsException && (p.Text.StartsWith(relativeDirectory + "/", StringComparison.Ordinal) || p.Text.Contains('*') || p.Text.Contains('?') || p.Text.Contains('[')));

    private static bool MatchesOrParentMatches(Pattern pattern, string path)
    {
        if (pattern.Regex.IsMatch(path)) return true;
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (pattern.Regex.IsMatch(path.Substring(0, slash))) return true;
        }

        return false;
    }

    // filepath.Clean on a '/'-separated, context-relative pattern; a leading '/' means the context root.
    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else if (part != "..") parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    while (i + 1 < pattern.Length && pattern[i + 1] == '/') i++;
                    regex.Append(i + 1 == pattern.Length ? ".*" : "(.*/)?");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) goto default;
                    var set = pattern.Substring(i + 1, end - i - 1);
                    regex.Append('[').Append(set.StartsWith('!') ? "^" + set.Substring(1) : set).Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private sealed record Pattern(string Text, bool IsException, Regex Regex);
}
