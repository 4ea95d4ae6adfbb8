namespace ImageDsl.Build.Context;

/// <summary>
/// Hard links in a build context, as the docker CLI sends them: walking the entries in the order they are sent, a
/// non-directory with more than one link whose inode was already sent goes as a link to the name sent first, with no
/// content (moby's archive addTarFile for the classic builder's tar; fsutil's setUnixOpt for BuildKit's file sync).
/// Keyed by the inode alone, as both are. The builders then keep the names linked in what they copy.
/// Also compiled into the session helper.
/// </summary>
public sealed class HardLinks
{
    private readonly Dictionary<ulong, string> _first = new();

    /// <summary>The name this file was already sent under, or null when it goes whole (first seen, one link, or a directory).</summary>
    public string? EarlierName(string relativePath, bool isDirectory, ulong inode, uint links)
    {
        if (isDirectory || links <= 1) return null;
        if (_first.TryGetValue(inode, out var first)) return first;
        _first[inode] = relativePath;
        return null;
    }
}
