using Docker.DotNet;
using Docker.DotNet.Models;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// The daemonless builder through MSBuild: with no daemon at all (DOCKER_HOST at a socket that does not exist), an
/// image is pushed or written as an archive; the daemon then pulls or loads it and runs it. Builds are reproducible:
/// two copies of a project in different folders, with different file times, give the same manifest digest.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class DaemonlessBuildTests
{
    private static readonly Dictionary<string, string?> NoDaemon = new() { ["DOCKER_HOST"] = "unix:///nonexistent/imagedsl-no-daemon.sock" };

    private const string Definition = """
        [Image("tests/daemonless", ExpectOutput = "daemonless hello")]
        public static partial class Image
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Workdir("/app")
                .Copy("hello.txt", "/app/")
                .Env("GREETING", "daemonless")
                .Cmd("cat", "/app/hello.txt");
        }
        """;

    [Fact]
    public async Task Without_a_daemon_the_image_is_pushed_and_runs_when_pulled()
    {
        using var project = new MSBuildProject(Definition, new Dictionary<string, string> { ["hello.txt"] = "daemonless hello\n" });
        var tag = "run-" + Guid.NewGuid().ToString("N")[..8];

        var result = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}", NoDaemon);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("building tests/daemonless without a daemon", result.Output);
        // The checks could not run: said (where [Image] declares them), not skipped silently.
        Assert.StartsWith(ProbeTests.AtImageName(project, "tests/daemonless"), Assert.Single(result.Warnings, w => w.Contains("IMAGEDSL2025", StringComparison.Ordinal)));
        var reference = $"{TestEngine.Registry}/tests/daemonless:{tag}";
        Assert.Contains($"pushed {reference}@sha256:", result.Output);

        // Built again from the same inputs: the same manifest, which the registry already holds under the tag.
        var again = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}", NoDaemon);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains($"{reference} is up to date (sha256:", again.Output);

        using var engine = await TestEngine.ConnectAsync();
        await PullAsync(reference);
        var run = await engine.RunAsync(reference, TimeSpan.FromSeconds(60), "none", CancellationToken.None);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("daemonless hello\n", run.Stdout);
    }

    /// <summary>
    /// With auto and a push, an image qualifies for the daemonless builder until the build reveals that a local ADD
    /// source is an archive, which only the daemon extracts: then the daemon builds it (the log says why) and the
    /// image it pushes holds the extracted file.
    /// </summary>
    [Fact]
    public void With_auto_what_only_the_build_reveals_needs_a_container_goes_to_the_daemon()
    {
        using var project = new MSBuildProject("""
            [Image("tests/auto-archive", ExpectOutput = "from the archive")]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Add("bundle.tar", "/opt/")
                    .Cmd("cat", "/opt/inside.txt");
            }
            """);
        using (var tar = File.Create(Path.Combine(project.Directory.FullName, "bundle.tar")))
        using (var writer = new System.Formats.Tar.TarWriter(tar))
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "inside.txt")
            {
                DataStream = new MemoryStream("from the archive\n"u8.ToArray()),
            };
            writer.WriteEntry(entry);
        }

        var tag = "auto-" + Guid.NewGuid().ToString("N")[..8];
        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("ADD bundle.tar /opt/) needs the daemon", result.Output);
        Assert.Contains("building with the daemon instead", result.Output);
        Assert.Contains("building tests/auto-archive with BuildKit", result.Output);
        Assert.Contains("| from the archive", result.Output); // the smoke run of the daemon's image
        Assert.Contains($"pushed {TestEngine.Registry}/tests/auto-archive:{tag}@sha256:", result.Output);
    }

    /// <summary>
    /// docker build stands on the daemon's own copy of a base, and the registry may hold another image under that
    /// reference (here the tag was pushed, then rebuilt in the daemon with another label). With auto the image goes to
    /// the daemon, so what is pushed is what docker build makes, with the container checks on or off; forced daemonless
    /// builds on the registry's and says the two differ.
    /// </summary>
    [Fact]
    public async Task A_base_the_daemon_holds_otherwise_than_the_registry_is_built_by_the_daemon_with_auto()
    {
        var tag = "moved-" + Guid.NewGuid().ToString("N")[..8];
        var baseReference = $"{TestEngine.Registry}/tests/moved-base:{tag}";
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, baseReference, $"FROM {DaemonlessParityTests.RegistryBase}\nLABEL copy=registry\n", BuilderKind.BuildKit);
        await engine.PushAsync(Build.Registry.ImageReference.Parse(baseReference), null, Build.Registry.PushPolicy.Default, _ => { }, CancellationToken.None);
        await TestEngine.BuildAsync(engine, baseReference, $"FROM {DaemonlessParityTests.RegistryBase}\nLABEL copy=daemon\n", BuilderKind.BuildKit);
        using var project = new MSBuildProject(Definition, new Dictionary<string, string> { ["hello.txt"] = "daemonless hello\n" });
        var args = $"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=BASE_IMAGE={baseReference}";

        var auto = project.Build($"{args} -p:ContainerImageTag={tag}");

        Assert.True(auto.ExitCode == 0, auto.Output);
        Assert.Contains($"the daemon's copy of its base {baseReference}", auto.Output);
        Assert.Contains("building tests/daemonless with BuildKit", auto.Output);
        Assert.Equal("daemon", await PushedLabelAsync($"{TestEngine.Registry}/tests/daemonless:{tag}"));

        // Without container checks nothing needs the image in the daemon, but auto still asks it about the base.
        var noChecks = project.Build($"{args} -p:ContainerImageTag={tag}-unchecked -p:ImageDslSmokeRun=false");

        Assert.True(noChecks.ExitCode == 0, noChecks.Output);
        Assert.Contains($"the daemon's copy of its base {baseReference}", noChecks.Output);
        Assert.Equal("daemon", await PushedLabelAsync($"{TestEngine.Registry}/tests/daemonless:{tag}-unchecked"));

        var forced = project.Build($"{args} -p:ContainerImageTag={tag}-forced -p:ImageDslBuilder=daemonless");

        Assert.True(forced.ExitCode == 0, forced.Output);
        Assert.Contains($"built on the registry's {baseReference}", forced.Output);
        Assert.Equal("registry", await PushedLabelAsync($"{TestEngine.Registry}/tests/daemonless:{tag}-forced"));

        static async Task<string> PushedLabelAsync(string reference)
        {
            await PullAsync(reference);
            using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
            return (await client.Images.InspectImageAsync(reference)).Config!.Labels!["copy"];
        }
    }

    /// <summary>
    /// Where a daemon is reachable the image is loaded into it for its checks, sending only the layers the daemon lacks:
    /// with the base in the daemon its layer stays out of the archive (docker load finds the chain it has) and the
    /// container still runs; built again on a base the daemon has never seen (pushed to the registry without one),
    /// every layer goes.
    /// </summary>
    [Fact]
    public async Task Where_a_daemon_is_reachable_the_image_is_loaded_with_the_layers_it_lacks_and_its_smoke_run_passes()
    {
        await PullAsync(DaemonlessParityTests.RegistryBase); // the base (busybox: one layer) in the daemon
        var greeting = "daemonless hello " + Guid.NewGuid().ToString("N"); // an image the daemon cannot hold yet
        using var project = new MSBuildProject(Definition.Replace("ExpectOutput = \"daemonless hello\"", $"ExpectOutput = \"{greeting}\"", StringComparison.Ordinal),
            new Dictionary<string, string> { ["hello.txt"] = greeting + "\n" });

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=daemonless -p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("building tests/daemonless without a daemon", result.Output);
        var (sent, total) = LayersSent(result.Output);
        Assert.InRange(sent, 1, total - 1); // the new file's layer, not the base's (nor a WORKDIR layer an earlier load left)
        Assert.Contains("smoke run of tests/daemonless passed", result.Output);
        Assert.DoesNotContain("IMAGEDSL2025", result.Output);

        // The same image from a copy in another folder (reproducible): the daemon holds it, so it is only tagged.
        using var copy = new MSBuildProject(Definition.Replace("ExpectOutput = \"daemonless hello\"", $"ExpectOutput = \"{greeting}\"", StringComparison.Ordinal),
            new Dictionary<string, string> { ["hello.txt"] = greeting + "\n" });
        var again = copy.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=daemonless -p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("the daemon holds tests/daemonless (", again.Output);
        Assert.DoesNotContain("loaded tests/daemonless", again.Output);
        Assert.Contains("smoke run of tests/daemonless passed", again.Output);

        // Neither its base nor an earlier image of its name in the daemon: nothing there to judge a layer held by.
        var unseen = "tests/daemonless-unseen-" + Guid.NewGuid().ToString("N")[..8];
        using var baseProject = new MSBuildProject(Definition.Replace("tests/daemonless", unseen + "-base", StringComparison.Ordinal)
            .Replace("ExpectOutput = \"daemonless hello\"", "SmokeRun = false", StringComparison.Ordinal), new Dictionary<string, string> { ["hello.txt"] = "a base\n" });
        var pushed = baseProject.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}", NoDaemon);
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        using var onUnseen = new MSBuildProject(Definition.Replace("tests/daemonless", unseen, StringComparison.Ordinal).Replace("ExpectOutput = \"daemonless hello\"", $"ExpectOutput = \"{greeting}\"", StringComparison.Ordinal),
            new Dictionary<string, string> { ["hello.txt"] = greeting + "\n" });

        var second = onUnseen.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=daemonless -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Registry}/{unseen}-base:latest");

        Assert.True(second.ExitCode == 0, second.Output);
        (sent, total) = LayersSent(second.Output, unseen);
        Assert.Equal(total, sent);
        Assert.True(total > 2, second.Output);
        Assert.Contains($"smoke run of {unseen} passed", second.Output);
    }

    private static (int Sent, int Total) LayersSent(string output, string name = "tests/daemonless")
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, $@"loaded {name} into the daemon as [^ ]+ \(([0-9]+) of ([0-9]+) layers sent");
        Assert.True(match.Success, output);
        return (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// An image whose definition turns its checks off ([Image] SmokeRun = false) needs nothing of a daemon when it is
    /// pushed: it is not loaded into one that is there (for a web app's image that took about a second of every build),
    /// and where none is, nothing warns that its checks could not run.
    /// </summary>
    [Fact]
    public void An_image_without_checks_is_pushed_without_the_daemon_whether_or_not_one_is_there()
    {
        using var project = new MSBuildProject(Definition.Replace("ExpectOutput = \"daemonless hello\"", "SmokeRun = false", StringComparison.Ordinal),
            new Dictionary<string, string> { ["hello.txt"] = "daemonless hello\n" });
        var tag = "unchecked-" + Guid.NewGuid().ToString("N")[..8];
        var args = $"-t:PushImages -p:ImageDslBuilder=daemonless -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}";

        var withDaemon = project.Build($"{args} -p:ContainerImageTag={tag}");

        Assert.True(withDaemon.ExitCode == 0, withDaemon.Output);
        Assert.Contains($"pushed {TestEngine.Registry}/tests/daemonless:{tag}@sha256:", withDaemon.Output);
        Assert.DoesNotContain("into the daemon", withDaemon.Output);

        var withoutDaemon = project.Build($"{args} -p:ContainerImageTag={tag}-again", NoDaemon);

        Assert.True(withoutDaemon.ExitCode == 0, withoutDaemon.Output);
        Assert.Contains($"pushed {TestEngine.Registry}/tests/daemonless:{tag}-again@sha256:", withoutDaemon.Output);
        Assert.DoesNotContain("IMAGEDSL2025", withoutDaemon.Output);
    }

    [Fact]
    public void An_instruction_that_needs_a_daemon_is_one_coded_error_naming_it()
    {
        using var project = new MSBuildProject("""
            [Image("tests/daemonless-run")]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).Run("echo hi");
            }
            """);

        var result = project.Build($"-t:BuildImages -p:ImageDslBuilder=daemonless -p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}", NoDaemon);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Errors.Length == 1, result.Output);
        var error = result.Errors[0];
        Assert.True(error.Contains("IMAGEDSL2021", StringComparison.Ordinal), error);
        Assert.Matches("line [0-9]+ of its Dockerfile, 'RUN echo hi'", error);
        Assert.StartsWith(Path.Combine(project.Directory.FullName, "Image.cs") + "(6,", error); // at the C# call that wrote the RUN
        Assert.Contains("RUN runs a command in a container", error);
    }

    [Fact]
    public async Task Two_copies_in_different_folders_give_the_same_archive_which_docker_loads_and_runs()
    {
        var files = new Dictionary<string, string> { ["hello.txt"] = "daemonless hello\n" };
        using var first = new MSBuildProject(Definition, files);
        using var second = new MSBuildProject(Definition, files);
        File.SetLastWriteTimeUtc(Path.Combine(second.Directory.FullName, "hello.txt"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        var archives = new List<string>();
        var digests = new List<string>();
        foreach (var project in new[] { first, second })
        {
            var archive = Path.Combine(project.Directory.FullName, "out", "image.tar");
            var result = project.Build($"-t:BuildImages -p:ContainerArchiveOutputPath={archive} -p:ImageDslSmokeRun=false " +
                $"-p:ImageDslBuildArgs=BASE_IMAGE={DaemonlessParityTests.RegistryBase}", NoDaemon);
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("wrote tests/daemonless to", result.Output);
            digests.Add(System.Text.RegularExpressions.Regex.Match(result.Output, @"manifest (sha256:[0-9a-f]{64})").Groups[1].Value);
            archives.Add(archive);
        }

        Assert.StartsWith("sha256:", digests[0]);
        Assert.Equal(digests[0], digests[1]);
        Assert.Equal(await File.ReadAllBytesAsync(archives[0]), await File.ReadAllBytesAsync(archives[1]));

        using var engine = await TestEngine.ConnectAsync();
        await using (var archive = File.OpenRead(archives[0])) await engine.LoadAsync(archive, CancellationToken.None);
        var run = await engine.RunAsync("tests/daemonless:latest", TimeSpan.FromSeconds(60), "none", CancellationToken.None);
        Assert.Equal("daemonless hello\n", run.Stdout);
    }

    /// <summary>
    /// An archive is asked for, but the image is one the daemon builds (its definition runs a command, or the builder
    /// is the daemon's): the daemon writes no archive, so the build fails saying so instead of ending without one.
    /// </summary>
    [Theory]
    [InlineData("auto", ".Run(\"true\")")]
    [InlineData("docker", "")]
    public void An_archive_of_an_image_the_daemon_builds_is_an_error_not_a_missing_file(string builder, string step)
    {
        using var project = new MSBuildProject($$"""
            [Image("tests/archive-by-daemon", SmokeRun = false)]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage){{step}}.Cmd("true");
            }
            """);
        var archive = Path.Combine(project.Directory.FullName, "out", "image.tar");

        var result = project.Build($"-t:BuildImages -p:ContainerArchiveOutputPath={archive} -p:ImageDslBuilder={builder} -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}");

        var error = Assert.Single(result.Errors);
        Assert.Contains("error IMAGEDSL2029", error);
        Assert.Contains(builder == "docker" ? "ImageDslBuilder=docker" : "it needs the daemon", error);
        Assert.False(File.Exists(archive));
    }

    internal static async Task PullAsync(string reference)
    {
        using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        var colon = reference.LastIndexOf(':');
        string? error = null;
        await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = reference[..colon], Tag = reference[(colon + 1)..] }, null,
            new Progress<JSONMessage>(m => error ??= m.Error?.Message));
        Assert.Null(error);
    }
}
