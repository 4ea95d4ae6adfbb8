using System.Formats.Tar;

namespace ImageDsl.Build.Context;

/// <summary>
/// What a COPY or ADD source names in the build context, as both builders resolve it (path.Clean under the root, a
/// pattern matched with filepath.Match, a directory copying everything under it): what the checks made before a build
/// need to know of the files an instruction will copy.
/// </summary>
public sealed class ContextSources(IReadOnlyList<ContextEntry> entries)
{
    /// <summary>A context with nothing in it.</summary>
    public static readonly ContextSources Empty = new(Array.Empty<ContextEntry>());

    /// <summary>Whether ADD would unpack the source: a regular file it names is an archive (<see cref="Files.ArchiveFormat"/>).</summary>
    public bool IsArchive(string source)
    {
        var clean = PathPattern.Clean(source);
        return entries.Any(e => e.Type == TarEntryType.RegularFile && Names(clean, e.RelativePath) && Unpacked(e));
    }

    /// <summary>Whether the source names a directory of the context (the root, a directory, or a pattern matching one).</summary>
    public bool IsDirectory(string source)
    {
        var clean = PathPattern.Clean(source);
        return clean.Length == 0 || entries.Any(e => e.Type == TarEntryType.Directory && Names(clean, e.RelativePath));
    }

    /// <summary>
    /// The first regular file the source copies (named by it, or under a directory it names) whose setuid or setgid bit a
    /// change of owner clears — setuid always, setgid with group execute (the kernel's rule for chown); null if none. For
    /// an ADD (<paramref name="unpacks"/>), an archive the source names is unpacked, not copied.
    /// </summary>
    public ContextEntry? SetIdFile(string source, bool unpacks)
    {
        var clean = PathPattern.Clean(source);
        return entries.Where(e => e.Type == TarEntryType.RegularFile && (((int)e.Mode & 0x800) != 0 || ((int)e.Mode & 0x408) == 0x408))
            .OrderBy(e => e.RelativePath, StringComparer.Ordinal)
            .FirstOrDefault(e => Copies(clean, e.RelativePath) && !(unpacks && Names(clean, e.RelativePath) && Unpacked(e)));
    }

    private static bool Unpacked(ContextEntry entry)
    {
        using var stream = File.OpenRead(entry.FullPath);
        return Files.ArchiveFormat.IsArchive(stream);
    }

    // The source names the path itself.
    private static bool Names(string clean, string path) =>
        PathPattern.ContainsWildcards(clean) ? PathPattern.Match(clean, path) : path == clean;

    // The source names the path or a directory above it (the root names everything).
    private static bool Copies(string clean, string path)
    {
        if (clean.Length == 0) return true;
        for (var name = path; ; name = name[..name.LastIndexOf('/')])
        {
            if (Names(clean, name)) return true;
            if (!name.Contains('/')) return false;
        }
    }
}
