using ImageDsl.Build.Context;

namespace ImageDsl.Session.FileSync;

/// <summary>
/// Narrows the entries the task allowed for a directory to what the daemon asked for, as fsutil's walker does
/// (tonistiigi/fsutil walker.go, followlinks.go, prefix/match.go):
/// <list type="bullet">
/// <item>follow paths (the COPY sources, the Dockerfile's name) become include patterns, with every symbolic link on
/// the way resolved to its target, which is then included too;</item>
/// <item>an include pattern is matched with Go's path.Match against as many leading components as the entry has: a
/// full match includes the entry and everything below it, a match of a longer pattern's first components includes
/// just the directory on the way;</item>
/// <item>exclude patterns use .dockerignore syntax ('**', '!' exceptions) and drop what they match.</item>
/// </list>
/// The order given (parents first) is kept.
/// </summary>
internal static class SyncSelection
{
    public static IReadOnlyList<string> Select(string root, IReadOnlyList<string> entries, SyncRequest request)
    {
        var includes = request.Includes.Select(Clean).Concat(FollowLinks(root, request.FollowPaths.Select(Clean))).Distinct().ToList();
        var filterIncludes = includes.Count > 0 && !includes.Contains("");
        var excludes = request.Excludes.Count == 0 ? null : DockerIgnore.Parse(string.Join("\n", request.Excludes));

        var fullyIncluded = new List<string>();
        var kept = new List<string>();
        foreach (var entry in entries)
        {
            if (filterIncludes && !fullyIncluded.Any(d => entry.StartsWith(d + "/", StringComparison.Ordinal)))
            {
                var full = false;
                var partial = false;
                foreach (var pattern in includes)
                {
                    var (match, isPartial) = PrefixMatch(pattern, entry);
                    if (!match) continue;
                    if (isPartial) partial = true;
                    else full = true;
                }

                if (!full && !partial) continue;
                if (full) fullyIncluded.Add(entry);
            }

            if (excludes is not null && excludes.IsExcluded(entry)) continue;
            kept.Add(entry);
        }

        return kept;
    }

    /// <summary>prefix.Match: a pattern deeper than the path is cut to the path's depth, and such a match is partial.</summary>
    private static (bool Match, bool Partial) PrefixMatch(string pattern, string path)
    {
        var depth = path.Count(c => c == '/');
        var parts = pattern.Split('/');
        var partial = parts.Length - 1 > depth;
        if (partial) pattern = string.Join('/', parts.Take(depth + 1));
        return (PathPattern.Match(pattern, path), partial);
    }

    /// <summary>FollowLinks: each follow path, plus the targets of the symbolic links met along it (a wildcard component matching several).</summary>
    private static IEnumerable<string> FollowLinks(string root, IEnumerable<string> paths)
    {
        var resolved = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in paths) Append(root, path, resolved, 0);
        return resolved;
    }

    private static void Append(string root, string path, SortedSet<string> resolved, int depth)
    {
        if (depth > 40) return; // a link loop: fsutil stops on the second visit; this bounds the same thing
        var current = "";
        var rest = path;
        while (true)
        {
            var slash = rest.IndexOf('/');
            var part = slash < 0 ? rest : rest.Substring(0, slash);
            rest = slash < 0 ? "" : rest.Substring(slash + 1);
            current = Clean(current.Length == 0 ? part : current + "/" + part);
            var targets = ReadLinks(root, current, allowWildcard: true);
            if ((rest.Length == 0 || targets is not null) && resolved.Contains(current)) return;
            if (targets is not null)
            {
                resolved.Add(current);
                foreach (var target in targets) Append(root, Clean(target + "/" + rest), resolved, depth + 1);
                return;
            }

            if (rest.Length == 0)
            {
                resolved.Add(current);
                return;
            }
        }
    }

    private static List<string>? ReadLinks(string root, string path, bool allowWildcard)
    {
        var slash = path.LastIndexOf('/');
        var directory = slash < 0 ? "" : path.Substring(0, slash);
        var name = slash < 0 ? path : path.Substring(slash + 1);
        if (allowWildcard && PathPattern.ContainsWildcards(name))
        {
            List<string> names;
            try
            {
                names = PosixFiles.ListDirectory(Join(root, directory));
            }
            catch (IOException)
            {
                return null;
            }

            var found = new List<string>();
            foreach (var candidate in names)
            {
                if (PathPattern.Match(name, candidate)) found.AddRange(ReadLinks(root, Clean(directory + "/" + candidate), allowWildcard: false) ?? new List<string>());
            }

            return found;
        }

        string link;
        try
        {
            if (FileStatus.Of(Join(root, path)).Kind != FileKind.SymbolicLink) return null;
            link = PosixFiles.ReadLink(Join(root, path));
        }
        catch (IOException)
        {
            return null;
        }

        return new List<string> { link.StartsWith('/') ? Clean(link) : Clean(directory + "/" + link) };
    }

    private static string Clean(string path) => PathPattern.Clean(path);

    // Names as FileName keeps them: joined as text, never through .NET's file APIs.
    private static string Join(string root, string relative) => relative.Length == 0 ? root : root.TrimEnd('/') + "/" + relative;
}
