using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Context;

/// <summary>
/// What ImageDsl adds to a build context from outside it, under the one folder <c>.imagedsl/</c> that
/// <c>DotNet.HostPublish</c> and <c>DotNet.InImagePublish</c> read: <c>publish/KEY/</c> (a project published on the
/// host) and <c>feed/</c> (the ImageDsl package, for a restore inside the image). On disk it is one directory under
/// obj/ laid out the same way, so the tar (classic builder) and the session (BuildKit) send it as if it were in the
/// context, after .dockerignore, which does not apply to it.
/// </summary>
public static class ContextAdditions
{
    /// <summary>The folder of the context the additions appear under.</summary>
    public const string Folder = ".imagedsl"; // DotNet.ContextFolder in the Dsl

    /// <summary>
    /// <paramref name="listed"/> with the entries of <paramref name="directory"/> inserted as <c>.imagedsl/…</c> where a
    /// walk of the context would meet them (names in byte order at every level, as BuildKit requires). A context that
    /// has a <c>.imagedsl</c> of its own is IMAGEDSL2018: the two cannot both be sent.
    /// </summary>
    public static IReadOnlyList<ContextEntry> Add(IReadOnlyList<ContextEntry> listed, string? directory, string imageName, string contextDirectory,
        CancellationToken cancellationToken)
    {
        if (directory is null || !Directory.Exists(directory)) return listed;
        if (listed.Any(e => e.RelativePath == Folder || e.RelativePath.StartsWith(Folder + "/", StringComparison.Ordinal)))
        {
            throw new ImageDslException(ErrorCodes.ContextFolderTaken, imageName, Path.Combine(contextDirectory, Folder));
        }

        var root = FileStatus.Of(directory);
        var added = new List<ContextEntry>
        {
            new(Folder, Path.GetFullPath(directory), System.Formats.Tar.TarEntryType.Directory, (UnixFileMode)root.Permissions,
                DateTimeOffset.FromUnixTimeSeconds(root.ModifiedSeconds).AddTicks(root.ModifiedNanoseconds / 100), 0, null),
        };
        added.AddRange(ContextPacker.List(directory, cancellationToken: cancellationToken).Select(e => e with { RelativePath = Folder + "/" + e.RelativePath }));

        var at = 0;
        while (at < listed.Count && FileName.CompareBytes(TopLevel(listed[at].RelativePath), Folder) < 0) at++;
        return listed.Take(at).Concat(added).Concat(listed.Skip(at)).ToList();
    }

    /// <summary>The session's view of the same: the one host directory that appears as <c>.imagedsl</c>.</summary>
    public static Session.DirectoryMount? Mount(string? directory) =>
        directory is not null && Directory.Exists(directory) ? new Session.DirectoryMount(Folder, Path.GetFullPath(directory)) : null;

    /// <summary>
    /// The projects a definition has published on the host (keys of <c>.imagedsl/publish/KEY/</c> it reads: "self", or a
    /// project path with each byte outside [A-Za-z0-9._-] as +XX), and whether it reads the package feed.
    /// </summary>
    public static (IReadOnlyList<string> PublishKeys, bool ReadsFeed) Requests(Metadata.ImageManifest manifest)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in LiteralReads(manifest).Select(r => r.Path).Where(p => p.StartsWith(Folder + "/publish/", StringComparison.Ordinal)))
        {
            keys.Add(path.Substring(Folder.Length + 9).Split('/')[0]);
        }

        return (keys.ToList(), FeedReader(manifest) is not null);
    }

    /// <summary>The stage that copies the host publish output <c>publish/KEY/</c>, if one does.</summary>
    public static int? PublishReader(Metadata.ImageManifest manifest, string key) =>
        LiteralReads(manifest).Where(r => r.Path == $"{Folder}/publish/{key}" || r.Path.StartsWith($"{Folder}/publish/{key}/", StringComparison.Ordinal))
            .Select(r => (int?)r.Stage).FirstOrDefault();

    /// <summary>The stage that reads the package feed (DotNet.InImagePublish's), if one does.</summary>
    public static int? FeedReader(Metadata.ImageManifest manifest) =>
        LiteralReads(manifest).Where(r => r.Path == Folder + "/feed" || r.Path.StartsWith(Folder + "/feed/", StringComparison.Ordinal))
            .Select(r => (int?)r.Stage).FirstOrDefault();

    private static IEnumerable<(int Stage, string Path)> LiteralReads(Metadata.ImageManifest manifest) =>
        manifest.Reads.Where(r => !r.IsPattern && r.Parts.All(p => p.Text is not null)).Select(r => (r.Stage, PathPattern.Clean(string.Concat(r.Parts.Select(p => p.Text)))));

    /// <summary>The project a publish key stands for: null for "self", else its path relative to the project directory.</summary>
    public static string? ProjectOf(string key)
    {
        if (key == "self") return null;
        var bytes = new List<byte>();
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '+' && i + 2 < key.Length && byte.TryParse(key.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)key[i]);
            }
        }

        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string TopLevel(string path) => path.IndexOf('/') is var slash and >= 0 ? path.Substring(0, slash) : path;
}
