using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Files;
using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

public sealed class DockerfileFilesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("imagedsl-files-");

    public void Dispose() => _directory.Delete(true);

    [Fact]
    public void A_Dockerfile_is_rewritten_only_when_its_content_changed()
    {
        var path = Path.Combine(_directory.FullName, "obj", "app.Dockerfile");
        Assert.True(DockerfileFiles.WriteIfChanged(path, "FROM busybox\n"));
        var written = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(path, written);

        Assert.False(DockerfileFiles.WriteIfChanged(path, "FROM busybox\n"));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));

        Assert.True(DockerfileFiles.WriteIfChanged(path, "FROM alpine\n"));
        Assert.Equal("FROM alpine\n", File.ReadAllText(path));
    }

    [Fact]
    public void Check_mode_reports_a_missing_or_stale_copy_with_a_diff_and_writes_nothing()
    {
        var image = new ImageDefinition("team/app", "FROM busybox\nENV MODE=new\nCMD [\"run\"]\n", ".", new[] { "latest" }, null, 0, true, "{\"stages\":[],\"reads\":[],\"secrets\":[],\"ssh\":[],\"images\":[]}");
        var missing = Assert.Throws<ImageDslException>(() => DockerfileFiles.SyncCheckedIn(new[] { image }, _directory.FullName, check: true));
        Assert.Equal(ErrorCodes.StaleDockerfile, missing.Code);
        Assert.False(File.Exists(Path.Combine(_directory.FullName, "team-app.Dockerfile")));

        File.WriteAllText(Path.Combine(_directory.FullName, "team-app.Dockerfile"), "FROM busybox\nENV MODE=old\nCMD [\"run\"]\n");
        var stale = Assert.Throws<ImageDslException>(() => DockerfileFiles.SyncCheckedIn(new[] { image }, _directory.FullName, check: true));
        Assert.Contains("- ENV MODE=old\n+ ENV MODE=new", stale.Message);
        Assert.DoesNotContain("FROM busybox", stale.Message.Substring(stale.Message.IndexOf('\n')));

        Assert.Equal(new[] { Path.Combine(_directory.FullName, "team-app.Dockerfile") }, DockerfileFiles.SyncCheckedIn(new[] { image }, _directory.FullName, check: false));
        Assert.Empty(DockerfileFiles.SyncCheckedIn(new[] { image }, _directory.FullName, check: false));
    }
}
