namespace ImageDsl.Build.Context;

/// <summary>
/// The status of every entry of a context at one moment: inode, size, modification and change times. Taken before a
/// build reads the context and again after it, it tells whether anything was edited, replaced, added to a directory
/// or removed while the build was reading — in which case what was sent is not what the stamp describes, and the
/// build must not be recorded as up to date. Status only, no content: the comparison costs a statx per entry.
/// </summary>
public sealed class ContextSnapshot
{
    private readonly (string Path, FileStatus? Status)[] _entries;

    private ContextSnapshot((string, FileStatus?)[] entries) => _entries = entries;

    public static ContextSnapshot Take(IEnumerable<ContextEntry> entries) =>
        new(entries.Select(e => (e.FullPath, StatusOrNull(e.FullPath))).ToArray());

    /// <summary>True when every entry still has the status it had when the snapshot was taken.</summary>
    public bool IsUnchanged() => _entries.All(e => StatusOrNull(e.Path) == e.Status);

    private static FileStatus? StatusOrNull(string path)
    {
        try
        {
            return FileStatus.Of(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
