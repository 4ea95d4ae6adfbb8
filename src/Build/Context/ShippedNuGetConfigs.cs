namespace ImageDsl.Build.Context;

/// <summary>A file a project publishes as an item (Content or None): the project, the file, and its copy metadata.</summary>
public sealed record PublishItem(string ProjectPath, string FullPath, string CopyToPublishDirectory, string CopyToOutputDirectory)
{
    /// <summary>
    /// Whether <c>dotnet publish</c> copies it: CopyToPublishDirectory says so, or, where it is not set, CopyToOutputDirectory
    /// does (the SDK's DefaultCopyToPublishDirectoryMetadata target).
    /// </summary>
    public bool IsPublished => Copies(CopyToPublishDirectory) || (CopyToPublishDirectory.Length == 0 && Copies(CopyToOutputDirectory));

    private static bool Copies(string value) =>
        value.Equals("Always", StringComparison.OrdinalIgnoreCase) || value.Equals("PreserveNewest", StringComparison.OrdinalIgnoreCase)
        || value.Equals("IfDifferent", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The NuGet configurations an image would carry out of a publish output (IMAGEDSL2033). The Web SDK makes every
/// <c>*.config</c> of the project's folder publish content, so the <c>NuGet.config</c> a restore needed — the feeds it
/// names, and any credential written in it — ships with the image, as it does with <c>dotnet publish</c> and the SDK's
/// PublishContainer. ImageDsl says so and leaves the publish output as <c>dotnet publish</c> makes it.
/// </summary>
public static class ShippedNuGetConfigs
{
    /// <summary>Whether a file name is one NuGet reads as its configuration (it looks for each spelling).</summary>
    public static bool IsNuGetConfig(string fileName) => fileName.Equals("nuget.config", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the folder of <paramref name="projectPath"/> holds a NuGet configuration: the one a restore of the
    /// project reads first, and the only place the build looks before asking MSBuild for the project's items.
    /// </summary>
    public static bool NextTo(string projectPath) =>
        Path.GetDirectoryName(projectPath) is { } folder && Directory.Exists(folder)
        && Directory.EnumerateFiles(folder).Any(f => IsNuGetConfig(Path.GetFileName(f)));

    /// <summary>
    /// Those among <paramref name="entries"/> that come from a host publish (<c>.imagedsl/publish/KEY/…</c>, any depth):
    /// the publish key and the path in the output.
    /// </summary>
    public static IEnumerable<(string Key, string Path)> InHostPublish(IEnumerable<ContextEntry> entries) =>
        entries.Where(e => e.Type != System.Formats.Tar.TarEntryType.Directory && e.RelativePath.StartsWith(ContextAdditions.Folder + "/publish/", StringComparison.Ordinal)
                && IsNuGetConfig(e.RelativePath.Substring(e.RelativePath.LastIndexOf('/') + 1)))
            .Select(e => e.RelativePath.Substring(ContextAdditions.Folder.Length + 9))
            .Select(rest => (rest.Substring(0, rest.IndexOf('/')), rest.Substring(rest.IndexOf('/') + 1)));

    /// <summary>
    /// Those a <c>DotNet.InImagePublish</c> stage of <paramref name="manifest"/> publishes inside the image: items of the
    /// stage's project (<paramref name="items"/>, from MSBuild) that are NuGet configurations, published, and sent with the
    /// context (<paramref name="entries"/>, after .dockerignore). The stage, the project as the definition names it, and
    /// the file's path from the project's folder (what a <c>Content Update</c> names).
    /// </summary>
    public static IEnumerable<(int Stage, string Project, string Path)> InImagePublish(Metadata.ImageManifest manifest, string contextDirectory,
        IReadOnlyCollection<ContextEntry> entries, IReadOnlyCollection<PublishItem> items)
    {
        if (items.Count == 0) yield break;
        var sent = new HashSet<string>(entries.Where(e => e.Type != System.Formats.Tar.TarEntryType.Directory).Select(e => e.RelativePath), StringComparer.Ordinal);
        for (var stage = 0; stage < manifest.Stages.Count; stage++)
        {
            if (manifest.Stages[stage].Publishes is not { } project) continue;
            var projectPath = Path.GetFullPath(Path.Combine(contextDirectory, project));
            foreach (var item in items.Where(i => i.IsPublished && IsNuGetConfig(Path.GetFileName(i.FullPath))
                         && string.Equals(Path.GetFullPath(i.ProjectPath), projectPath, StringComparison.Ordinal)))
            {
                var inContext = Path.GetRelativePath(contextDirectory, item.FullPath).Replace('\\', '/');
                if (sent.Contains(inContext)) yield return (stage, project, Path.GetRelativePath(Path.GetDirectoryName(projectPath)!, item.FullPath).Replace('\\', '/'));
            }
        }
    }
}
