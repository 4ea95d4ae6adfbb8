using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>The options of a RUN mount, against what the daemon's BuildKit gives the RUN.</summary>
public class MountOptionTests
{
    /// <summary>
    /// A cache mount's mode: BuildKit makes the directory with mkdir under the daemon's umask (022), from the permission
    /// bits only. The modes the DSL writes (no bit beyond 0755) arrive as written; the others, which it refuses (IDSL0008),
    /// would be masked — the raw Dockerfile shows what they would have become.
    /// </summary>
    [Theory]
    [InlineData("0755", true)]
    [InlineData("0750", true)]
    [InlineData("0700", true)]
    [InlineData("0777", false)]
    [InlineData("1777", false)]
    [InlineData("2775", false)]
    public async Task A_cache_mount_directory_gets_its_mode_through_the_daemons_umask(string mode, bool written)
    {
        var bits = Convert.ToInt32(mode, 8);
        var mount = $"--mount=type=cache,target=/c,id=imagedsl-mode-{Guid.NewGuid():N},mode={mode},uid=1000,gid=1001";
        if (written)
        {
            Assert.Contains(mount, Dockerfile.From(TestEngine.BaseImage).Run("true", mounts: [Mount.Cache("/c", id: mount.Split("id=")[1].Split(',')[0], mode: FileMode.Octal(mode), uid: 1000, gid: 1001)]).ToString());
        }
        else
        {
            Assert.Throws<DockerfileException>(() => Mount.Cache("/c", mode: FileMode.Octal(mode), uid: 1000, gid: 1001));
        }

        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/cache-mode:1", $"FROM {TestEngine.BaseImage}\nRUN {mount} stat -c '%a %u:%g' /c > /out\n", BuilderKind.BuildKit);
        var run = await engine.RunAsync("imagedsl-tests/cache-mode:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/out" });

        Assert.Equal(Convert.ToString(bits & 0x1ED, 8) + " 1000:1001\n", run.Stdout);
        Assert.Equal(written, (bits & 0x1ED) == bits);
    }
}
