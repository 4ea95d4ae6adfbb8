using ImageDsl.Build.Docker;
using ImageDsl.Build.Session;
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

    /// <summary>
    /// A secret's mode: BuildKit sets the file's permission bits as written (0777 too) and drops setuid, setgid and
    /// sticky, which the DSL refuses (IDSL0008); the raw Dockerfile shows what they would have become.
    /// </summary>
    [Theory]
    [InlineData("0400", true)]
    [InlineData("0440", true)]
    [InlineData("0777", true)]
    [InlineData("4755", false)]
    public async Task A_secret_file_gets_its_mode_from_the_permission_bits(string mode, bool written)
    {
        var bits = Convert.ToInt32(mode, 8);
        var mount = $"--mount=type=secret,id=tok,mode={mode},uid=1000,gid=1001";
        if (written) Assert.Contains(mount, Dockerfile.From(TestEngine.BaseImage).Run("true", mounts: [Mount.Secret("tok", mode: FileMode.Octal(mode), uid: 1000, gid: 1001)]).ToString());
        else Assert.Throws<DockerfileException>(() => Mount.Secret("tok", mode: FileMode.Octal(mode), uid: 1000, gid: 1001));

        var secret = Path.GetTempFileName();
        File.WriteAllText(secret, "s3cret");
        try
        {
            var mounted = await ModeOfMountAsync(mount, "/run/secrets/tok",
                new SessionResources(new[] { new SecretSource("tok", null, secret) }, Array.Empty<SshAgent>(), Array.Empty<HostCredential>()));

            Assert.Equal(Convert.ToString(bits & 0x1FF, 8) + " 1000:1001\n", mounted);
            Assert.Equal(written, (bits & 0x1FF) == bits);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    /// <summary>
    /// An ssh socket's mode: the permission bits as written, special bits dropped (refused in the DSL), as for a secret.
    /// </summary>
    [Theory]
    [InlineData("0600", true)]
    [InlineData("0666", true)]
    [InlineData("1600", false)]
    public async Task An_ssh_socket_gets_its_mode_from_the_permission_bits(string mode, bool written)
    {
        var bits = Convert.ToInt32(mode, 8);
        var mount = $"--mount=type=ssh,target=/agent.sock,mode={mode},uid=1000,gid=1001";
        if (written) Assert.Contains(mount, Dockerfile.From(TestEngine.BaseImage).Run("true", mounts: [Mount.Ssh(target: "/agent.sock", mode: FileMode.Octal(mode), uid: 1000, gid: 1001)]).ToString());
        else Assert.Throws<DockerfileException>(() => Mount.Ssh(target: "/agent.sock", mode: FileMode.Octal(mode), uid: 1000, gid: 1001));

        var directory = Directory.CreateTempSubdirectory("imagedsl-ssh-agent-");
        var socket = Path.Combine(directory.FullName, "agent.sock");
        using var agent = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ssh-agent", $"-D -a \"{socket}\"") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            for (var i = 0; i < 100 && !File.Exists(socket); i++) await Task.Delay(20);
            var mounted = await ModeOfMountAsync(mount, "/agent.sock",
                new SessionResources(Array.Empty<SecretSource>(), new[] { new SshAgent("default", socket) }, Array.Empty<HostCredential>()));

            Assert.Equal(Convert.ToString(bits & 0x1FF, 8) + " 1000:1001\n", mounted);
            Assert.Equal(written, (bits & 0x1FF) == bits);
        }
        finally
        {
            agent.Kill();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>What a RUN with the mount sees at the path, as "mode uid:gid" (BuildKit, through a session with the given resources).</summary>
    private static async Task<string> ModeOfMountAsync(string mount, string path, SessionResources session)
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-mount-mode-");
        try
        {
            var dockerfile = $"FROM {TestEngine.BaseImage}\nRUN {mount} echo {Guid.NewGuid():N} && stat -c '%a %u:%g' {path} > /out\n";
            using var engine = await TestEngine.ConnectAsync();
            var request = new BuildRequest("imagedsl-tests/mount-mode", dockerfile, context.FullName, new[] { "imagedsl-tests/mount-mode:1" },
                new Dictionary<string, string>(), new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode) { Session = session };
            await engine.BuildAsync(request, TestEngine.Layout(context.FullName, BuilderKind.BuildKit), BuilderKind.BuildKit, new ListLog(), CancellationToken.None);
            return (await engine.RunAsync("imagedsl-tests/mount-mode:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/out" })).Stdout;
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A cache mount seeded from a stage, with a mode and owner: BuildKit ignores them and the RUN sees the seed
    /// directory's own (0755 root's here), so the DSL refuses them there (IDSL0008).
    /// </summary>
    [Fact]
    public async Task A_cache_mount_seeded_from_a_stage_keeps_the_seeds_mode_and_owner()
    {
        var seed = Dockerfile.From(TestEngine.BaseImage).As("seed");
        var refused = Assert.Throws<DockerfileException>(() => Mount.Cache("/c", from: seed, source: "/seed", mode: FileMode.Octal("700"), uid: 1000, gid: 1001));
        Assert.Equal("mode", refused.ParamName);

        var id = "imagedsl-seeded-" + Guid.NewGuid().ToString("N");
        var dockerfile = $"FROM {TestEngine.BaseImage} AS seed\nRUN mkdir -p /seed && echo s > /seed/f\nFROM {TestEngine.BaseImage}\n"
            + $"RUN --mount=type=cache,target=/c,id={id},from=seed,source=/seed,mode=0700,uid=1000,gid=1001 stat -c '%a %u:%g' /c > /out && ls /c >> /out\n";
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/cache-seeded:1", dockerfile, BuilderKind.BuildKit);
        var run = await engine.RunAsync("imagedsl-tests/cache-seeded:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/out" });

        Assert.Equal("755 0:0\nf\n", run.Stdout);
    }
}
