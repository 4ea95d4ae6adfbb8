using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>The engine against the real daemon: both endpoints, both builders, failures and cancellation.</summary>
public class DaemonTests
{
    [Fact]
    public async Task Tls_endpoint_with_client_certificates_connects_and_builds()
    {
        using var engine = await TestEngine.ConnectAsync(TestEngine.TlsEndpoint);
        Assert.Equal("linux", engine.Os);
        Assert.True(engine.EngineVersion.Major >= 20);

        var id = await TestEngine.BuildAsync(engine, "imagedsl-tests/over-tls:1",
            Dockerfile.From(TestEngine.BaseImage).Env("OVER", "tls").StopSignal(37).ToString(), BuilderKind.BuildKit);
        Assert.StartsWith("sha256:", id);
        var config = (await engine.InspectImageAsync(id, CancellationToken.None))!.Config!;
        Assert.Contains("OVER=tls", config.Env!);
        Assert.Equal("37", config.StopSignal);
    }

    [Fact]
    public async Task Tls_endpoint_without_client_certificate_is_refused_with_a_coded_error()
    {
        var noClientCert = new DockerEndpoint(TestEngine.TlsEndpoint.Uri, null, false, "tests");
        var error = await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.ConnectAsync(noClientCert));
        Assert.Equal(ErrorCodes.DaemonUnreachable, error.Code);
    }

    [Theory]
    [InlineData("unix:///run/imagedsl-no-such.sock")]
    [InlineData("tcp://127.0.0.1:1")]
    public async Task Unreachable_daemon_is_one_coded_error_that_says_how_to_start_one(string host)
    {
        var endpoint = new DockerEndpoint(new Uri(host), null, false, "tests");
        var error = await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.ConnectAsync(endpoint));
        Assert.Equal(ErrorCodes.DaemonUnreachable, error.Code);
        Assert.Contains("Start the daemon", error.Message);
        Assert.Contains(host.Split("://")[1].Split('/')[0], error.Message);
    }

    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public async Task A_daemon_that_drops_the_build_mid_step_is_one_error_naming_the_step(BuilderKind builder)
    {
        await using var proxy = new DaemonCuttingProxy("build", TimeSpan.FromSeconds(3));
        using var engine = await TestEngine.ConnectAsync(new DockerEndpoint(new Uri("unix://" + proxy.Path), null, false, "tests"));
        var marker = Guid.NewGuid().ToString("N");
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run($"echo {marker} && sleep 8").ToString();

        var error = await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.BuildAsync(engine, "imagedsl-tests/dropped-build:1", dockerfile, builder));

        Assert.Equal(ErrorCodes.DaemonConnectionLost, error.Code);
        Assert.Contains($"echo {marker} && sleep 8", error.Message);
        Assert.Contains("Check that the daemon is still running", error.Message);
        Assert.Equal(1, proxy.Cut);
    }

    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public async Task Failing_step_is_one_error_naming_the_step_with_its_output(BuilderKind builder)
    {
        using var engine = await TestEngine.ConnectAsync();
        // A unique first step, so that the daemon's cache from an earlier run cannot hide its output.
        var marker = Guid.NewGuid().ToString("N");
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run("echo preparing " + marker).Run("echo the-step-output && exit 3").ToString();
        var log = new ListLog();

        var error = await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.BuildAsync(engine, "imagedsl-tests/failing:1", dockerfile, builder, log: log));

        Assert.Equal(ErrorCodes.BuildStepFailed, error.Code);
        Assert.Contains("echo the-step-output && exit 3", error.Message.Split('\n')[0]);
        Assert.Contains("the-step-output", error.Message);
        Assert.Contains(log.Lines, l => l.Contains("preparing " + marker));
    }

    [Fact]
    public async Task BuildKit_progress_reports_each_step_and_cached_steps()
    {
        using var engine = await TestEngine.ConnectAsync();
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run("echo progress-check").ToString();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/progress:1", dockerfile, BuilderKind.BuildKit);
        var log = new ListLog();

        await TestEngine.BuildAsync(engine, "imagedsl-tests/progress:1", dockerfile, BuilderKind.BuildKit, log: log);

        Assert.Contains(log.Steps, s => s.StartsWith("[2/2] RUN echo progress-check", StringComparison.Ordinal) && s.EndsWith(" CACHED", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public async Task Target_stage_build_arguments_labels_and_platform_reach_the_build(BuilderKind builder)
    {
        using var engine = await TestEngine.ConnectAsync();
        var flavour = new BuildArg("FLAVOUR", "default");
        var first = Dockerfile.From(TestEngine.BaseImage).As("first").Arg(flavour).Env("STAGE", "first").Env("FLAVOUR", flavour);
        var dockerfile = Dockerfile.From(first).As("second").Env("STAGE", "second").ToString();
        var tag = "imagedsl-tests/target:" + builder.ToString().ToLowerInvariant();
        var directory = Directory.CreateTempSubdirectory("imagedsl-target-");
        try
        {
            var request = new BuildRequest(tag, dockerfile, directory.FullName, new[] { tag },
                new Dictionary<string, string> { ["FLAVOUR"] = "from-msbuild" }, new Dictionary<string, string> { ["org.example.origin"] = "test" },
                Target: "first", Platform: "linux/amd64", NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(directory.FullName, builder), builder, new ListLog(), CancellationToken.None);
        }
        finally
        {
            directory.Delete(true);
        }

        var config = (await engine.InspectImageAsync(tag, CancellationToken.None))!.Config!;
        Assert.Contains("STAGE=first", config.Env!);
        Assert.Contains("FLAVOUR=from-msbuild", config.Env!);
        Assert.Equal("test", config.Labels!["org.example.origin"]);
    }

    [Fact]
    public async Task Cache_mount_runs_with_BuildKit()
    {
        using var engine = await TestEngine.ConnectAsync();
        var dockerfile = Dockerfile.From(TestEngine.BaseImage)
            .Run("echo cached > /cache/marker && cp /cache/marker /marker", mounts: [Mount.Cache("/cache", id: "imagedsl-test")]).ToString();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/cache-mount:1", dockerfile, BuilderKind.BuildKit);
        var run = await engine.RunAsync("imagedsl-tests/cache-mount:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/marker" });
        Assert.Equal("cached\n", run.Stdout);
    }

    public static TheoryData<BuilderKind, string, string> UnsupportedCases => new()
    {
        { BuilderKind.BuildKit, Dockerfile.From("busybox").RunHeredoc("echo hi\n").ToString(), "a heredoc" },
        { BuilderKind.Classic, Dockerfile.From("busybox").Run("cat /run/secrets/token", mounts: [Mount.Secret("token")]).ToString(), "a secret mount" },
        { BuilderKind.Classic, Dockerfile.From("busybox").Run("ssh-add -l", mounts: [Mount.Ssh()]).ToString(), "an ssh mount" },
        { BuilderKind.BuildKit, Dockerfile.From("busybox").Copy("a", "/a", link: true).ToString(), "COPY --link" },
        { BuilderKind.BuildKit, Dockerfile.From("busybox").Run("printenv TOKEN", mounts: [Mount.Secret("token", env: "TOKEN")]).ToString(), "RUN --mount (secret as env)" },
        { BuilderKind.Classic, Dockerfile.From("busybox").Run("make", mounts: [Mount.Cache("/c")]).ToString(), "RUN --mount" },
        { BuilderKind.Classic, Dockerfile.From("busybox").Copy("a", "/a", chmod: FileMode.Octal("755")).ToString(), "COPY --chmod" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedCases))]
    public async Task Feature_the_builder_cannot_run_is_refused_before_anything_is_sent(BuilderKind builder, string dockerfile, string feature)
    {
        using var engine = await TestEngine.ConnectAsync();
        var capabilities = new BuilderCapabilities(builder, engine.EngineVersion);

        var error = Assert.Throws<ImageDslException>(() => capabilities.Check("app", dockerfile));

        Assert.Equal(ErrorCodes.UnsupportedFeature, error.Code);
        Assert.Contains(feature, error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public async Task Smoke_run_captures_output_and_exit_code_and_removes_the_container()
    {
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/exit:1",
            Dockerfile.From(TestEngine.BaseImage).CmdShell("echo to-stdout; echo to-stderr >&2; exit 7").ToString(), BuilderKind.BuildKit);

        var result = await engine.RunAsync("imagedsl-tests/exit:1", TimeSpan.FromSeconds(30), "none", CancellationToken.None);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal("to-stdout\n", result.Stdout);
        Assert.Equal("to-stderr\n", result.Stderr);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("imagedsl-tests/exit:1"));
    }

    [Fact]
    public async Task Smoke_run_that_does_not_finish_is_a_coded_error_and_leaves_no_container()
    {
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, "imagedsl-tests/sleeper:1", Dockerfile.From(TestEngine.BaseImage).Cmd("sleep", "600").ToString(), BuilderKind.BuildKit);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => engine.RunAsync("imagedsl-tests/sleeper:1", TimeSpan.FromSeconds(2), "none", CancellationToken.None));

        Assert.Equal(ErrorCodes.SmokeTimeout, error.Code);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("imagedsl-tests/sleeper:1"));
    }

    [Fact]
    public async Task Cancelling_a_build_stops_it_on_the_daemon()
    {
        using var engine = await TestEngine.ConnectAsync();
        var marker = Guid.NewGuid().ToString("N");
        var dockerfile = Dockerfile.From(TestEngine.BaseImage).Run($"echo {marker} && sleep 300").ToString();
        using var cancellation = new CancellationTokenSource();
        var log = new StepWatcher(marker, cancellation);
        var tag = "imagedsl-tests/cancelled:" + marker;
        var directory = Directory.CreateTempSubdirectory("imagedsl-cancel-");
        try
        {
            var request = new BuildRequest(tag, dockerfile, directory.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(), NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.BuildAsync(request, TestEngine.Layout(directory.FullName, BuilderKind.BuildKit), BuilderKind.BuildKit, log, cancellation.Token));
        }
        finally
        {
            directory.Delete(true);
        }

        Assert.Null(await engine.InspectImageAsync(tag, CancellationToken.None));
    }

    /// <summary>Cancels once the step has visibly started on the daemon.</summary>
    private sealed class StepWatcher(string marker, CancellationTokenSource cancellation) : IBuildLog
    {
        public void Step(string text) { }

        public void Output(string line)
        {
            if (line.Contains(marker)) cancellation.Cancel();
        }
    }
}
