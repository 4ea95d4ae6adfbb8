using System.Text;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Build.Files;

/// <summary>
/// Puts generated Dockerfiles on disk: under obj/ for the build (rewritten only when the content changed, so file
/// timestamps stay meaningful), and optionally in a checked-in folder for review, where a check mode reports a
/// stale copy with a short diff instead of updating it — that is how image changes show up in pull requests.
/// </summary>
public static class DockerfileFiles
{
    /// <summary>The file name of an image's Dockerfile (obj/ and the checked-in folder).</summary>
    public static string FileName(ImageDefinition image) => FileStem(image.Name) + ".Dockerfile";

    /// <summary>The file name of an image's manifest (its stages and context reads), beside its Dockerfile under obj/.</summary>
    public static string ManifestFileName(ImageDefinition image) => FileStem(image.Name) + ".manifest.json";

    /// <summary>The path of an image's build stamp (see BuildImages): one rule for every task that reads or drops it.</summary>
    public static string StampPath(string stampDirectory, string imageName) => Path.Combine(stampDirectory, FileStem(imageName) + ".stamp");

    // An image name may contain '/' (team/app); files for it live flat in one folder.
    private static string FileStem(string imageName) => imageName.Replace('/', '-');

    /// <summary>Writes <paramref name="content"/> unless the file already holds exactly it. Returns whether it wrote.</summary>
    public static bool WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content) return false;
        StateFile.Write(path, content);
        return true;
    }

    /// <summary>
    /// In check mode, throws IMAGEDSL2001 for the first checked-in copy that differs (or is missing); otherwise
    /// writes the copies that changed. Returns the paths it wrote.
    /// </summary>
    public static IReadOnlyList<string> SyncCheckedIn(IEnumerable<ImageDefinition> images, string directory, bool check)
    {
        var written = new List<string>();
        foreach (var image in images)
        {
            var path = Path.Combine(directory, FileName(image));
            if (check)
            {
                var current = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : null;
                if (current != image.Dockerfile)
                {
                    throw new ImageDslException(ErrorCodes.StaleDockerfile, path, image.Name,
                        current is null ? "(the file does not exist)" : ShortDiff(current, image.Dockerfile));
                }
            }
            else if (WriteIfChanged(path, image.Dockerfile))
            {
                written.Add(path);
            }
        }

        return written;
    }

    /// <summary>A line diff ('-' checked in, '+' generated) of at most <paramref name="maxLines"/> lines.</summary>
    public static string ShortDiff(string before, string after, int maxLines = 20)
    {
        var a = before.TrimEnd('\n').Split('\n');
        var b = after.TrimEnd('\n').Split('\n');
        // Longest common subsequence table: Dockerfiles are small, so the quadratic table is fine.
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        for (var j = b.Length - 1; j >= 0; j--)
            lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { x++; y++; }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) lines.Add("- " + a[x++]); // removed lines first, as in a unified diff
            else lines.Add("+ " + b[y++]);
        }

        var shown = lines.Take(maxLines).ToList();
        if (lines.Count > maxLines) shown.Add($"… {lines.Count - maxLines} more changed lines");
        return string.Join("\n", shown);
    }
}
