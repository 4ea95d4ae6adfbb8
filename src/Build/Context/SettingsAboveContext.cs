namespace ImageDsl.Build.Context;

/// <summary>
/// What the build machine applies to a project from the folders above it, and an in-image build cannot see.
/// <c>DotNet.InImagePublish</c> restores and publishes the project inside the image from the build context alone,
/// while on the build machine MSBuild imports the nearest
/// <c>Directory.Build.props</c>/<c>.targets</c> and <c>Directory.Packages.props</c> and reads the nearest
/// <c>Directory.Build.rsp</c> walking up from the project, the dotnet host takes the nearest <c>global.json</c>, and
/// NuGet merges every <c>NuGet.config</c> on the way up.
/// <list type="bullet">
/// <item>The MSBuild files change how the app is built (properties, package versions, command-line switches) without
/// failing the build where they are missing: a different app under the same definition, refused (IMAGEDSL2031).</item>
/// <item>NuGet.config and global.json choose package sources and the SDK; where they are missing, the image's
/// restore uses the SDK image's sources and its SDK. A package only those sources have fails the build; one that the
/// image's sources also have may come from there. Said (IMAGEDSL2032), not refused: the common setup of a repository
/// whose root holds them, with the SDK image chosen in the definition.</item>
/// </list>
/// </summary>
public static class SettingsAboveContext
{
    // The nearest one wins: one at the context's root hides those above it. (One in a folder between the root and a
    // project deeper in the context would hide them too; not known here, so such a file above is still refused.)
    private static readonly string[] MSBuildFiles = { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "Directory.Build.rsp" };

    // NuGet merges every one (its spellings on a case-sensitive file system); the nearest global.json wins.
    private static readonly string[] NuGetConfigs = { "nuget.config", "NuGet.config", "NuGet.Config" };

    /// <summary>
    /// Such files above <paramref name="contextDirectory"/>, nearest first: those that change the build (refused) and
    /// those that choose sources and the SDK (said).
    /// </summary>
    public static (IReadOnlyList<string> ChangeTheBuild, IReadOnlyList<string> ChooseSources) Find(string contextDirectory)
    {
        var context = new DirectoryInfo(Path.GetFullPath(contextDirectory));
        var hidden = MSBuildFiles.Append("global.json").Where(name => File.Exists(Path.Combine(context.FullName, name))).ToHashSet(StringComparer.Ordinal);
        var build = new List<string>();
        var sources = new List<string>();
        for (var directory = context.Parent; directory is not null; directory = directory.Parent)
        {
            foreach (var name in MSBuildFiles.Append("global.json").Where(n => !hidden.Contains(n)))
            {
                var path = Path.Combine(directory.FullName, name);
                if (!File.Exists(path)) continue;
                (name == "global.json" ? sources : build).Add(path);
                hidden.Add(name);
            }

            sources.AddRange(NuGetConfigs.Select(name => Path.Combine(directory.FullName, name)).Where(File.Exists));
        }

        return (build, sources);
    }
}
