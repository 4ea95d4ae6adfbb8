using System.Formats.Tar;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Build.Context;

/// <summary>
/// Checks over what a definition reads from its context (recorded by the generator), made before anything is sent.
/// Paths are read the way both builders read them: relative to the context root whether or not they start with '/',
/// '.' and '..' resolved without leaving the root.
/// </summary>
public static class ContextReads
{
    /// <summary>
    /// Every literal source must exist in the context as sent. Both builders would fail on a missing plain name, but
    /// BuildKit copies nothing for a name it has to read as a pattern (one with '*', '?' or '[', escaped by ImageDsl),
    /// so this check is what makes a missing literal an error everywhere.
    /// </summary>
    public static void RequireLiteralSources(string imageName, IEnumerable<ContextPath> reads, IReadOnlyDictionary<string, string> buildArgs,
        IReadOnlyList<ContextEntry> entries, string contextDirectory)
    {
        var present = new Dictionary<string, TarEntryType>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            present[entry.RelativePath] = entry.Type;
            for (var slash = entry.RelativePath.LastIndexOf('/'); slash > 0; slash = entry.RelativePath.LastIndexOf('/', slash - 1))
            {
                present.TryAdd(entry.RelativePath.Substring(0, slash), TarEntryType.Directory);
            }
        }

        foreach (var read in reads.Where(r => !r.IsPattern))
        {
            var written = read.Resolve(buildArgs);
            var path = Clean(written);
            if (path.Length == 0 || present.ContainsKey(path) || PassesThroughLink(path, present)) continue;
            var onDisk = Path.Combine(contextDirectory, path);
            var why = File.Exists(onDisk) || Directory.Exists(onDisk) ? ".dockerignore (or ImageDsl's rule for bin/ and obj/) leaves it out of the context, where it is on disk" : "there is no such file or directory";
            throw new ImageDslException(ErrorCodes.ContextSourceMissing, imageName, written, contextDirectory, why);
        }
    }

    /// <summary>Whether some read could copy the root-level entry <paramref name="name"/> (the whole context, that name, or a pattern matching it).</summary>
    public static bool CanRead(IEnumerable<ContextPath> reads, IReadOnlyDictionary<string, string> buildArgs, string name) =>
        reads.Any(read =>
        {
            var path = Clean(read.Resolve(buildArgs));
            if (path.Length == 0) return true;
            if (!read.IsPattern) return path == name;
            var first = path.Split('/')[0];
            return PathPattern.Match(first, name);
        });

    /// <summary>
    /// The entries the reads can copy: a literal path, everything below it and the directories above it; a pattern,
    /// what it matches component by component (and everything below a full match) and the directories on the way —
    /// as BuildKit's context transfer selects them from its follow paths. A symbolic link on the way brings its target,
    /// which both builders follow. .dockerignore always goes (BuildKit reads it before the transfer). A read of the
    /// root keeps everything.
    /// </summary>
    public static IReadOnlyList<ContextEntry> Minimal(IReadOnlyList<ContextEntry> entries, IEnumerable<ContextPath> reads, IReadOnlyDictionary<string, string> buildArgs)
    {
        var links = entries.Where(e => e.Type == TarEntryType.SymbolicLink).ToDictionary(e => e.RelativePath, e => e.LinkTarget!, StringComparer.Ordinal);
        var literals = new List<string>();
        var patterns = new List<string>();
        var pending = new Queue<(string Path, bool IsPattern)>(reads.Select(r => (Clean(r.Resolve(buildArgs)), r.IsPattern)));
        while (pending.Count > 0 && literals.Count + patterns.Count < 10_000)
        {
            var (path, isPattern) = pending.Dequeue();
            if (path.Length == 0) return entries;
            (isPattern ? patterns : literals).Add(path);
            // A link on the way (or a matched link) brings its target, as a literal read of the target plus the rest.
            var parts = path.Split('/');
            for (var i = 0; i < parts.Length; i++)
            {
                var prefix = string.Join('/', parts.Take(i + 1));
                foreach (var (link, target) in links)
                {
                    var matches = isPattern ? PathPattern.Match(prefix, link) : link == prefix;
                    if (!matches) continue;
                    var resolved = Clean((target.StartsWith('/') ? target : string.Join('/', link.Split('/').SkipLast(1).Append(target))) + "/" + string.Join('/', parts.Skip(i + 1)));
                    if (!literals.Contains(resolved)) pending.Enqueue((resolved, false));
                }
            }
        }

        var fullyIncluded = new List<string>();
        return entries.Where(entry =>
        {
            if (entry.RelativePath == ".dockerignore") return true;
            if (fullyIncluded.Any(d => entry.RelativePath.StartsWith(d + "/", StringComparison.Ordinal))) return true;
            foreach (var literal in literals)
            {
                if (entry.RelativePath == literal || entry.RelativePath.StartsWith(literal + "/", StringComparison.Ordinal)) return true;
                if (literal.StartsWith(entry.RelativePath + "/", StringComparison.Ordinal)) return true;
            }

            var kept = false;
            foreach (var pattern in patterns)
            {
                var depth = entry.RelativePath.Count(c => c == '/');
                var patternParts = pattern.Split('/');
                var partial = patternParts.Length - 1 > depth;
                if (!PathPattern.Match(partial ? string.Join('/', patternParts.Take(depth + 1)) : pattern, entry.RelativePath)) continue;
                kept = true;
                if (!partial)
                {
                    fullyIncluded.Add(entry.RelativePath);
                    break;
                }
            }

            return kept;
        }).ToList();
    }

    /// <summary>A context path as the builders resolve it (see <see cref="PathPattern.Clean"/>).</summary>
    public static string Clean(string path) => PathPattern.Clean(path);

    // A symbolic link inside the path: both builders follow it within the context, which the listing does not; trust it.
    private static bool PassesThroughLink(string path, Dictionary<string, TarEntryType> present)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (present.TryGetValue(path.Substring(0, slash), out var type) && type == TarEntryType.SymbolicLink) return true;
        }

        return false;
    }
}
