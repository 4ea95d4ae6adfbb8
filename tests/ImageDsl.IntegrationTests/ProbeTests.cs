using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// The smoke run of a server: busybox's httpd in the container, probed over real HTTP until it answers, then stopped
/// and removed — or one coded error saying what was expected and what was observed.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class ProbeTests
{
    private static string Server(string name, string probe) => $$"""
        [Image("{{name}}", ProbePort = 18431, {{probe}})]
        public static partial class Web
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy("index.html", "/www/index.html")
                .Copy("healthz", "/www/healthz")
                .Cmd("httpd", "-f", "-v", "-p", "18431", "-h", "/www");
        }
        """;

    private static readonly Dictionary<string, string> Files = new() { ["index.html"] = "<p>hello from the probe</p>\n", ["healthz"] = "Healthy\n" };

    private static string Args => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslProbeNetwork={TestEngine.Get("ImageDslProbeNetwork")}";

    [Fact]
    public async Task A_server_passes_its_smoke_run_when_it_answers_the_probe_and_is_then_removed()
    {
        using var project = new MSBuildProject(Server("tests/probe-ok", "ProbePath = \"/healthz\", ProbeBody = \"Healthy\""), Files);

        var result = project.Build(Args);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("smoke run of tests/probe-ok passed: its HTTP probe got 200 OK from http://127.0.0.1:18431/healthz", result.Output);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/probe-ok"));
    }

    [Theory]
    [InlineData("ProbePath = \"/missing\"", "status 404")]
    [InlineData("ProbePath = \"/\", ProbeBody = \"goodbye\"", "hello from the probe")]
    public async Task A_wrong_answer_is_IMAGEDSL2017_with_what_was_observed_and_the_container_is_removed(string probe, string observed)
    {
        using var project = new MSBuildProject(Server("tests/probe-wrong", probe), Files);

        var result = project.Build(Args + " -p:ImageDslSmokeRunTimeout=3");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(AtImageName(project, "tests/probe-wrong"), error); // where [Image] names it, not in the targets
        Assert.Contains("error IMAGEDSL2017", error);
        Assert.Contains("expected status 200", error);
        Assert.Contains(observed, error);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/probe-wrong"));
    }

    [Fact]
    public async Task A_server_that_exits_fails_at_once_with_its_exit_code_and_last_lines()
    {
        using var project = new MSBuildProject("""
            [Image("tests/probe-exits", ProbePort = 18432)]
            public static partial class Web
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).CmdShell("echo cannot bind the port >&2; exit 7");
            }
            """);

        var result = project.Build(Args + " -p:ImageDslSmokeRunTimeout=60");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error IMAGEDSL2017", Assert.Single(result.Errors));
        Assert.Contains("the container exited with code 7", result.Output);
        Assert.Contains("cannot bind the port", result.Output);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/probe-exits"));
    }

    private static string Waiting(string name, string wait, string define) => $$"""
        [Image("{{name}}", {{wait}})]
        public static partial class Server
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage){{define}};
        }
        """;

    private static string BaseOnly => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true";

    [Fact]
    public async Task A_server_that_prints_its_ready_line_passes_and_is_then_removed()
    {
        using var project = new MSBuildProject(Waiting("tests/wait-log", "ExpectLog = \"listening on :9000\"",
            ".CmdShell(\"echo starting; sleep 1; echo listening on :9000; sleep 600\")"));

        var result = project.Build(BaseOnly);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("smoke run of tests/wait-log passed: 'listening on :9000' appeared in its output", result.Output);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/wait-log"));
    }

    [Fact]
    public async Task A_server_that_becomes_healthy_passes_and_one_that_turns_unhealthy_fails_with_IMAGEDSL2019()
    {
        using var healthy = new MSBuildProject(Waiting("tests/wait-healthy", "WaitHealthy = true",
            ".Healthcheck(Command.Exec(\"test\", \"-f\", \"/tmp/ready\"), interval: System.TimeSpan.FromMilliseconds(500), retries: 100).CmdShell(\"sleep 1; touch /tmp/ready; sleep 600\")"));
        var passed = healthy.Build(BaseOnly);
        Assert.True(passed.ExitCode == 0, passed.Output);
        Assert.Contains("smoke run of tests/wait-healthy passed: its HEALTHCHECK reported healthy", passed.Output);
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/wait-healthy"));

        using var unhealthy = new MSBuildProject(Waiting("tests/wait-unhealthy", "WaitHealthy = true",
            ".Healthcheck(Command.Exec(\"false\"), interval: System.TimeSpan.FromMilliseconds(500), retries: 1).CmdShell(\"echo serving; sleep 600\")"));
        var failed = unhealthy.Build(BaseOnly);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("error IMAGEDSL2019", Assert.Single(failed.Errors));
        Assert.Contains("its HEALTHCHECK reported unhealthy", failed.Output);
        Assert.Contains("serving", failed.Output); // the container's last lines
        Assert.Empty(await TestEngine.LeftoverSmokeContainersAsync("tests/wait-unhealthy"));
    }

    [Theory]
    [InlineData("ExpectLog = \"never printed\"", ".CmdShell(\"echo something else; sleep 600\")", "not that text yet")]
    [InlineData("ExpectLog = \"never printed\"", ".CmdShell(\"echo giving up; exit 3\")", "the container exited with code 3")]
    [InlineData("WaitHealthy = true", ".CmdShell(\"sleep 600\")", "declares no HEALTHCHECK")]
    public void A_server_that_is_not_up_in_time_is_IMAGEDSL2019_saying_what_was_observed(string wait, string define, string observed)
    {
        using var project = new MSBuildProject(Waiting("tests/wait-fails", wait, define));

        var result = project.Build(BaseOnly + " -p:ImageDslSmokeRunTimeout=3");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(AtImageName(project, "tests/wait-fails"), error);
        Assert.Contains("error IMAGEDSL2019", error);
        Assert.Contains(observed, result.Output);
    }

    /// <summary>"FILE(LINE,COLUMN): " of the image's name in its [Image] attribute, as MSBuild starts an error there.</summary>
    internal static string AtImageName(MSBuildProject project, string name)
    {
        var lines = project.Read("Image.cs").Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains($"[Image(\"{name}\"", StringComparison.Ordinal));
        return $"{Path.Combine(project.Directory.FullName, "Image.cs")}({line + 1},{lines[line].IndexOf('"', StringComparison.Ordinal) + 1}): ";
    }
}
