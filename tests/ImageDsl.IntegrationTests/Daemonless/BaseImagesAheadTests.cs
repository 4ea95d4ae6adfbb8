using System.Text.RegularExpressions;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// Base images read ahead of the build (while the project is published): the build takes what was read instead of
/// asking the registry again, reads for itself what was not, and meets a failed read with the coded error its own read
/// gives. Through MSBuild, with the tasks in process (the package's way): a build that builds no image reads nothing,
/// and one that pushes takes its base from the read ahead and pushes the image a build without it pushes.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class BaseImagesAheadTests
{
    private static readonly Dictionary<string, string?> NoDaemon = new() { ["DOCKER_HOST"] = "unix:///nonexistent/imagedsl-no-daemon.sock" };

    private static BlobStore Store => new(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));

    private static RegistryBaseImages Registry(Action<string>? log = null, BaseImagesAhead? ahead = null) =>
        new(Store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default, log) { Ahead = ahead };

    /// <summary>The base's reference through the proxy, and how many times its manifest was asked for there.</summary>
    private static (string Reference, Func<int> ManifestReads) Through(RegistryProxy proxy)
    {
        var reference = DaemonlessParityTests.RegistryBase.Replace(TestEngine.Registry, proxy.Address, StringComparison.Ordinal);
        var location = RegistryLocation.Parse(reference);
        return (reference, () => proxy.Requests.Count(r => r == $"GET /v2/{location.Repository}/manifests/{location.Reference}"));
    }

    [Fact]
    public async Task The_build_takes_the_base_read_ahead_and_asks_the_registry_once()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var (reference, manifestReads) = Through(proxy);
        var platform = ImagePlatform.Host.Normalize();
        using var direct = Registry();
        var expected = await direct.GetAsync(reference, platform, CancellationToken.None);
        Assert.Equal(1, manifestReads());

        using var ahead = BaseImagesAhead.Start(() => new[] { (reference, platform) }, log => Registry(log));
        var logged = new List<string>();
        using var build = Registry(logged.Add, ahead);
        var taken = await build.GetAsync(reference, platform, CancellationToken.None);

        Assert.Equal(2, manifestReads()); // the read ahead's; the build did not ask again
        Assert.Equal(expected.Config.ToJsonString(), taken.Config.ToJsonString());
        Assert.Equal(expected.Layers.Select(l => l.Digest), taken.Layers.Select(l => l.Digest));
        Assert.Equal(direct.Resolved[reference], build.Resolved[reference]);
        Assert.Contains($"{reference} was read while the project was published", logged);

        // Asked again (another stage on the same base), or for a base nobody read ahead: the build reads it itself.
        await build.GetAsync(reference, platform, CancellationToken.None);
        Assert.Equal(3, manifestReads());
    }

    [Fact]
    public async Task A_read_ahead_that_failed_is_the_builds_coded_error_and_is_not_tried_twice()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var missing = $"{proxy.Address}/tests/never-pushed-{Guid.NewGuid():N}:1";
        var platform = ImagePlatform.Host.Normalize();
        using var ahead = BaseImagesAhead.Start(() => new[] { (missing, platform) }, log => Registry(log));
        using var build = Registry(ahead: ahead);

        var error = await Assert.ThrowsAsync<ImageDslException>(() => build.GetAsync(missing, platform, CancellationToken.None));

        Assert.Equal(ErrorCodes.BaseImageNotFound, error.Code);
        Assert.Single(proxy.Requests, r => r.StartsWith("GET /v2/tests/never-pushed-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bases_that_cannot_be_found_leave_the_build_to_read_them()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var (reference, manifestReads) = Through(proxy);
        var platform = ImagePlatform.Host.Normalize();
        using var ahead = BaseImagesAhead.Start(() => throw new FormatException("a Dockerfile the planner refuses"), log => Registry(log));
        using var build = Registry(ahead: ahead);

        var image = await build.GetAsync(reference, platform, CancellationToken.None);

        Assert.NotEmpty(image.Layers);
        Assert.Equal(1, manifestReads());
    }

    private const string Definition = """
        [Image("tests/read-ahead")]
        public static partial class Image
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Workdir("/app")
                .Copy("hello.txt", "/app/")
                .Cmd("cat", "/app/hello.txt");
        }
        """;

    [Fact]
    public async Task In_process_a_build_that_pushes_takes_its_base_read_ahead_and_one_that_builds_no_image_reads_nothing()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var (reference, manifestReads) = Through(proxy);
        using var project = new MSBuildProject(Definition, new Dictionary<string, string> { ["hello.txt"] = "read ahead\n" });
        var run = Guid.NewGuid().ToString("N")[..8];
        var settings = $"-p:ImageDslBuilder=daemonless -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=BASE_IMAGE={reference}";

        // A plain build compiles and writes the Dockerfile, and builds no image: nothing is read.
        var plain = project.Build($"-p:ImageDslTasksOutOfProc=false {settings}", NoDaemon);
        Assert.True(plain.ExitCode == 0, plain.Output);
        Assert.Empty(proxy.Requests);

        // A change to compile, then a push with the tasks in process: the base is read while the project is published,
        // once, and the build takes it.
        project.Write("Touch.cs", "internal static class Touch { }");
        var inProcess = project.Build($"-t:PushImages -p:ImageDslTasksOutOfProc=false -p:ContainerImageTag=in-process-{run} {settings}", NoDaemon);
        Assert.True(inProcess.ExitCode == 0, inProcess.Output);
        Assert.Contains($"{reference} was read while the project was published", inProcess.Output);
        Assert.Equal(1, manifestReads());

        // The same project with the tasks out of process (each in a process of its own: nothing is read ahead) pushes
        // the same image.
        var outOfProcess = project.Build($"-t:PushImages -p:ContainerImageTag=out-of-process-{run} {settings}", NoDaemon);
        Assert.True(outOfProcess.ExitCode == 0, outOfProcess.Output);
        Assert.DoesNotContain("was read while the project was published", outOfProcess.Output);
        Assert.Equal(2, manifestReads());
        Assert.Equal(Pushed(inProcess.Output, "in-process-" + run), Pushed(outOfProcess.Output, "out-of-process-" + run));
    }

    /// <summary>Two images of one project on two bases: each takes its own base's read (the first to build does not drop the other's).</summary>
    [Fact]
    public async Task In_process_each_image_of_a_project_takes_its_own_base_read_ahead()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var (docker, dockerReads) = Through(proxy);
        var oci = docker.Replace("/base/busybox:", "/base/busybox-oci:", StringComparison.Ordinal);
        var ociLocation = RegistryLocation.Parse(oci);
        using var project = new MSBuildProject("""
            [Image("tests/read-ahead-first", SmokeRun = false)]
            public static partial class First
            {
                static readonly BuildArg BaseImage = new("FIRST_BASE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).Copy("hello.txt", "/first.txt");
            }

            [Image("tests/read-ahead-second", SmokeRun = false)]
            public static partial class Second
            {
                static readonly BuildArg BaseImage = new("SECOND_BASE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).Copy("hello.txt", "/second.txt");
            }
            """, new Dictionary<string, string> { ["hello.txt"] = "two images\n" });

        var result = project.Build($"-t:PushImages -p:ImageDslTasksOutOfProc=false -p:ImageDslBuilder=daemonless -p:ImageDslRegistry={TestEngine.Registry} " +
            $"-p:ContainerImageTag={Guid.NewGuid():N} -p:ImageDslBuildArgs=FIRST_BASE={docker}%3BSECOND_BASE={oci}", NoDaemon);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"tests/read-ahead-first: {docker} was read while the project was published", result.Output);
        Assert.Contains($"tests/read-ahead-second: {oci} was read while the project was published", result.Output);
        Assert.Equal(1, dockerReads());
        Assert.Single(proxy.Requests, r => r == $"GET /v2/{ociLocation.Repository}/manifests/{ociLocation.Reference}");
    }

    private static string Pushed(string output, string tag) =>
        Regex.Match(output, $@"pushed {Regex.Escape(TestEngine.Registry)}/tests/read-ahead:{tag}@(sha256:[0-9a-f]{{64}})").Groups[1].Value is { Length: > 0 } digest
            ? digest : throw new Xunit.Sdk.XunitException("no push of " + tag + " in:\n" + output);
}
