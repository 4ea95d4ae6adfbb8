using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// Checks() against the real image: its configuration, and its files read from a container that is never started.
/// Every failing check is its own IMAGEDSL2020 with what was expected and what was observed.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class StructureCheckTests
{
    private static string Definition(string name, string user, string checks) => $$"""
        [Image("{{name}}", ExpectOutput = "ok")]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy("run.sh", "/app/run.sh", chmod: FileMode.Octal("755"), chown: Owner.Id(1654, 1654))
                .Env("MODE", "production")
                .Expose(8080){{user}}
                .Entrypoint("/app/run.sh");
            static ContainerChecks Checks() => ContainerChecks.Expect{{checks}};
        }
        """;

    private static readonly Dictionary<string, string> Files = new() { ["run.sh"] = "#!/bin/sh\necho ok\n" };

    private static string Args => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslNoCache=true";

    [Fact]
    public async Task An_image_that_is_what_its_checks_say_passes_them()
    {
        using var project = new MSBuildProject(Definition("tests/structure-ok", "\n        .User(Owner.Id(1654))", """

                .File("/app/run.sh", mode: FileMode.Octal("755"), owner: Owner.Id(1654, 1654))
                .Directory("/app")
                .Directory("/bin/sh/..")
                .Absent("/app/ImageDsl.dll")
                .NonRoot()
                .Env("MODE", "production")
                .Exposes(8080)
                .Entrypoint("/app/run.sh")
            """), Files);

        var result = project.Build(Args);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("ImageDsl: tests/structure-ok passed its 8 structure check(s).", result.Output);
        Assert.Contains("[tests/structure-ok] | ok", result.Output);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/structure-ok"));
    }

    [Fact]
    public void Each_failed_check_is_its_own_IMAGEDSL2020_with_what_was_expected_and_observed()
    {
        using var project = new MSBuildProject(Definition("tests/structure-fails", "", """

                .File("/app/run.sh", mode: FileMode.Octal("700"))
                .File("/app/run.sh", owner: Owner.Id(0, 0))
                .File("/app")
                .File("/app/missing.txt")
                .Absent("/app/run.sh")
                .NonRoot()
                .Env("MODE", "development")
                .Exposes(9090)
                .Entrypoint("/app/other.sh")
            """), Files);

        var result = project.Build(Args);

        Assert.NotEqual(0, result.ExitCode);
        // Result.Errors folds errors at one location into one; here every check has its own error at that location.
        var errors = result.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("error IMAGEDSL2020:", StringComparison.Ordinal))
            .Select(l => l.Substring(l.IndexOf("error IMAGEDSL2020:", StringComparison.Ordinal))).Distinct().ToArray();
        Assert.Equal("IMAGEDSL2020", Assert.Single(result.Errors.Select(e => System.Text.RegularExpressions.Regex.Match(e, "IMAGEDSL\\d+").Value).Distinct()));
        foreach (var observed in new[]
                 {
                     "expected a file at /app/run.sh with mode 0700; observed mode 0755",
                     "expected a file at /app/run.sh owned by 0:0; observed owner 1654:1654",
                     "expected a file at /app; observed a directory",
                     "expected a file at /app/missing.txt; observed nothing there",
                     "expected nothing at /app/run.sh; observed a file",
                     "expected a user other than root; observed no USER (root)",
                     "expected MODE=development in the environment; observed MODE=production",
                     "expected EXPOSE 9090/tcp; observed exposed: 8080/tcp",
                     "expected ENTRYPOINT [\"/app/other.sh\"]; observed ENTRYPOINT [\"/app/run.sh\"]",
                 })
        {
            Assert.True(errors.Any(e => e.Contains(observed, StringComparison.Ordinal)), observed + "\n" + string.Join("\n", errors));
        }

        Assert.Equal(9, errors.Length);
        // Each at the image's name in [Image], where the IDE's error list jumps.
        Assert.StartsWith(ProbeTests.AtImageName(project, "tests/structure-fails"), Assert.Single(result.Errors));
        Assert.DoesNotContain("[tests/structure-fails] | ok", result.Output); // no smoke run after a failed check
    }
}

/// <summary>
/// NonRoot() asks for the uid the container runs as, found as runc finds it, not for the spelling of USER: "00" and
/// "+0" are root, and so is a name /etc/passwd lists with uid 0; a name it does not list cannot start at all.
/// Judged by the daemon: each image's container runs <c>id -u</c> (or fails to start) as the check says.
/// </summary>
public class NonRootCheckTests
{
    [Theory]
    [InlineData("00", "0", "expected a user other than root; observed USER 00, uid 0.")]
    [InlineData("+0:1", "0", "expected a user other than root; observed USER +0:1, uid 0.")]
    [InlineData("toor", "0", "expected a user other than root; observed USER toor, uid 0 in /etc/passwd.")]
    [InlineData("ghost", null, "expected a user other than root; observed USER ghost, which /etc/passwd does not list (the container cannot start).")]
    [InlineData("nobody", "65534", null)]
    [InlineData("1000:0", "1000", null)]
    public async Task The_user_is_judged_by_its_uid(string user, string? uid, string? failure)
    {
        using var engine = await TestEngine.ConnectAsync();
        var tag = "tests/nonroot-" + Guid.NewGuid().ToString("N")[..8];
        var imageId = await TestEngine.BuildAsync(engine, tag,
            $"FROM {TestEngine.BaseImage}\nRUN echo 'toor:x:0:0:root:/root:/bin/sh' >> /etc/passwd\nUSER {user}\n", Build.Docker.BuilderKind.BuildKit);

        var failures = await Build.Checks.StructureChecks.RunAsync(engine, imageId, tag, new[] { new Build.Metadata.StructureCheck("nonroot", "", null, null) }, CancellationToken.None);

        Assert.Equal(failure, failures.SingleOrDefault()?.Message is { } message ? message.Substring(message.IndexOf("expected", StringComparison.Ordinal)) : null);
        string? ran;
        try
        {
            var run = await engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "id", "-u" });
            ran = run.ExitCode == 0 ? run.Stdout.Trim() : null;
        }
        catch (Build.Diagnostics.ImageDslException e) when (e.Code == Build.Diagnostics.ErrorCodes.DaemonFailed)
        {
            ran = null; // runc: unable to find user
        }

        Assert.Equal(uid, ran);
    }
}

/// <summary>
/// A symbolic link in the image: File() and Directory() look at what it leads to, Absent() at the path itself — a link
/// there, dangling or not, is something (judged by what `ls` in a container of the image lists).
/// </summary>
public class SymbolicLinkCheckTests
{
    [Fact]
    public async Task Absent_sees_a_link_even_a_dangling_one_and_File_and_Directory_follow_it()
    {
        using var engine = await TestEngine.ConnectAsync();
        var tag = "tests/structure-links-" + Guid.NewGuid().ToString("N")[..8];
        var imageId = await TestEngine.BuildAsync(engine, tag, $"FROM {TestEngine.BaseImage}\nRUN ln -s /nowhere /dangling && ln -s /etc /etclink\n", Build.Docker.BuilderKind.BuildKit);
        var checks = new[]
        {
            new Build.Metadata.StructureCheck("absent", "/dangling", null, null),
            new Build.Metadata.StructureCheck("absent", "/etclink", null, null),
            new Build.Metadata.StructureCheck("absent", "/missing", null, null),
            new Build.Metadata.StructureCheck("file", "/dangling", null, null),
            new Build.Metadata.StructureCheck("directory", "/etclink", null, null),
        };

        var failures = await Build.Checks.StructureChecks.RunAsync(engine, imageId, tag, checks, CancellationToken.None);

        Assert.Equal(new[]
        {
            "expected nothing at /dangling; observed a symbolic link.",
            "expected nothing at /etclink; observed a symbolic link.",
            "expected a file at /dangling; observed nothing there.",
        }, failures.Select(f => f.Message.Substring(f.Message.IndexOf("expected", StringComparison.Ordinal))));
        var listing = await engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "ls", "-l", "/dangling", "/etclink" });
        Assert.Contains("/dangling -> /nowhere", listing.Stdout);
        Assert.Contains("/etclink -> /etc", listing.Stdout);
    }
}
