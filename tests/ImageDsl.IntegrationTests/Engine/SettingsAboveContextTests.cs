using ImageDsl.Build.Context;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>
/// The files above a build context that the build machine would apply to a project published in the image: the
/// nearest Directory.Build.props/.targets, Directory.Packages.props and Directory.Build.rsp, which change the build,
/// and the nearest global.json and every NuGet.config (NuGet merges them all), which choose the SDK and the sources;
/// one of a nearest-wins name at the context's root hides those above it.
/// </summary>
public sealed class SettingsAboveContextTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("imagedsl-settings-");

    private string Context => Path.Combine(_root.FullName, "repo", "src", "App");

    public SettingsAboveContextTests() => Directory.CreateDirectory(Context);

    public void Dispose() => _root.Delete(recursive: true);

    [Theory]
    [InlineData("repo/Directory.Build.props")]
    [InlineData("repo/src/Directory.Build.targets")]
    [InlineData("repo/Directory.Packages.props")]
    [InlineData("Directory.Build.rsp")]
    public void An_MSBuild_file_above_the_context_changes_the_build(string relative)
    {
        Write(relative);

        var (changeTheBuild, chooseSources) = SettingsAboveContext.Find(Context);

        Assert.Equal(Path.Combine(_root.FullName, relative), Assert.Single(changeTheBuild));
        Assert.Empty(chooseSources);
    }

    [Theory]
    [InlineData("repo/global.json")]
    [InlineData("repo/nuget.config")]
    [InlineData("repo/src/NuGet.config")]
    [InlineData("NuGet.Config")]
    public void A_NuGet_config_or_global_json_above_the_context_chooses_sources(string relative)
    {
        Write(relative);

        var (changeTheBuild, chooseSources) = SettingsAboveContext.Find(Context);

        Assert.Empty(changeTheBuild);
        Assert.Equal(Path.Combine(_root.FullName, relative), Assert.Single(chooseSources));
    }

    [Theory]
    [InlineData("Directory.Build.props")]
    [InlineData("Directory.Packages.props")]
    [InlineData("global.json")]
    public void One_at_the_contexts_root_hides_the_one_above(string name)
    {
        Write("repo/" + name);
        Write("repo/src/App/" + name);

        Assert.Equal((0, 0), (SettingsAboveContext.Find(Context).ChangeTheBuild.Count, SettingsAboveContext.Find(Context).ChooseSources.Count));
    }

    [Fact]
    public void The_nearest_MSBuild_file_of_a_name_counts_and_every_NuGet_config_nearest_first()
    {
        Write("repo/src/App/NuGet.config");
        Write("repo/NuGet.config");
        Write("repo/src/nuget.config");
        Write("repo/Directory.Build.props");
        Write("repo/src/Directory.Build.props");

        var (changeTheBuild, chooseSources) = SettingsAboveContext.Find(Context);

        Assert.Equal(new[] { Path.Combine(_root.FullName, "repo/src/Directory.Build.props") }, changeTheBuild);
        Assert.Equal(new[] { Path.Combine(_root.FullName, "repo/src/nuget.config"), Path.Combine(_root.FullName, "repo/NuGet.config") }, chooseSources);
    }

    [Fact]
    public void Files_of_other_names_or_in_the_context_are_not_counted()
    {
        Write("repo/Directory.Build.props.bak");
        Write("repo/directory.build.props"); // MSBuild looks for the exact name
        Write("repo/src/App/Directory.Build.targets");
        Write("repo/src/App/sub/Directory.Build.props");

        Assert.Equal((0, 0), (SettingsAboveContext.Find(Context).ChangeTheBuild.Count, SettingsAboveContext.Find(Context).ChooseSources.Count));
    }

    private void Write(string relative)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "<Project />");
    }
}
