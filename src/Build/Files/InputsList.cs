using System.Security.Cryptography;
using ImageDsl.Build.Context;

namespace ImageDsl.Build.Files;

/// <summary>
/// The context files the on-build target lists as its Inputs, one path per line for MSBuild's ReadLinesFromFile (which
/// takes each line literally: no escaping can carry a line break). Three kinds of path:
/// <list type="bullet">
/// <item>a plain one is listed as it is;</item>
/// <item>one MSBuild can hold but a line cannot (a line break, control characters, surrounding spaces) is left out: the
/// targets' glob over the context directories lists every such file already;</item>
/// <item>one that is not UTF-8, which MSBuild cannot hold at all, is listed as a hard link under <c>inputs/</c> beside
/// the stamps, named by a hash of its bytes: another name for the same file, so an edit to it changes the time MSBuild
/// reads. (Where a hard link cannot be made — another file system — the file is not watched; the content stamp still
/// decides whenever the target runs.)</item>
/// </list>
/// </summary>
public static class InputsList
{
    public static void Write(string listPath, string linkDirectory, IEnumerable<string> paths)
    {
        var lines = new List<string>();
        var links = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (!FileName.IsText(path))
            {
                var link = Path.Combine(linkDirectory, Convert.ToHexString(SHA256.HashData(FileName.ToBytes(path)))[..32].ToLowerInvariant());
                try
                {
                    Directory.CreateDirectory(linkDirectory);
                    PosixFiles.CreateHardLink(link, path);
                    links.Add(link);
                    lines.Add(link);
                }
                catch (IOException)
                {
                }
            }
            else if (FitsOnALine(path))
            {
                lines.Add(path);
            }
        }

        if (Directory.Exists(linkDirectory))
        {
            foreach (var stale in Directory.EnumerateFileSystemEntries(linkDirectory).Where(l => !links.Contains(l))) StateFile.Delete(stale);
        }

        DockerfileFiles.WriteIfChanged(listPath, string.Join("\n", lines) + "\n");
    }

    /// <summary>True when ReadLinesFromFile gives the path back exactly: no line break or control character, no surrounding spaces.</summary>
    public static bool FitsOnALine(string path) => path == path.Trim() && !path.Any(char.IsControl);
}
