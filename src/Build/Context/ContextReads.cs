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
            var why = File.Exists(onDisk) || Directory.Exists(onDisk) ? "it exists, but .dockerignore (or ImageDsl's rule for bin/ and obj/) leaves it out of the context" : "there is no such file or directory";
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
