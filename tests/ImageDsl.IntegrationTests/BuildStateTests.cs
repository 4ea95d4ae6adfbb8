using System.Diagnostics;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Files;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// What BuildImages records about a build — its stamp, the on-build marker — against what is really true afterwards:
/// an image removed or retagged behind its back, a context file edited while the image built, a disk that fills up.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class BuildStateTests
{
    private static string Definition(string name, string extra = "") => $$"""
        [Image("{{name}}", SmokeRun = false)]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy("message.txt", "/message.txt"){{extra}}
                .Cmd("cat", "/message.txt");
        }
        """;

    private static string BuildImages => $"-t:BuildImages -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}";

    [Fact]
    public async Task An_image_removed_after_its_build_is_built_again_and_a_moved_tag_is_put_back()
    {
        using var project = new MSBuildProject(Definition("tests/state-removed"), new Dictionary<string, string> { ["message.txt"] = "removed\n" });
        var first = project.Build(BuildImages);
        Assert.True(first.ExitCode == 0, first.Output);
        using var engine = await TestEngine.ConnectAsync();
        var recorded = (await engine.InspectImageAsync("tests/state-removed:latest", CancellationToken.None))!.ID;

        await engine.RemoveImageAsync(recorded, CancellationToken.None);
        var afterRemoval = project.Build(BuildImages);
        Assert.True(afterRemoval.ExitCode == 0, afterRemoval.Output);
        Assert.Contains("is no longer on the daemon; building it again", afterRemoval.Output);
        var rebuilt = (await engine.InspectImageAsync("tests/state-removed:latest", CancellationToken.None))!.ID;

        // The tag now names another image (as `docker tag other tests/state-removed` would do).
        await engine.TagAsync(TestEngine.BaseImage, ImageDsl.Build.Registry.ImageReference.Parse("tests/state-removed:latest"), CancellationToken.None);
        var afterRetag = project.Build(BuildImages);
        Assert.True(afterRetag.ExitCode == 0, afterRetag.Output);
        Assert.Contains("tagged it again as tests/state-removed:latest", afterRetag.Output);
        Assert.DoesNotContain("building tests/state-removed", afterRetag.Output);
        Assert.Equal(rebuilt, (await engine.InspectImageAsync("tests/state-removed:latest", CancellationToken.None))!.ID);

        // A push after the image went away pushes the image the build records, built again first.
        await engine.RemoveImageAsync(rebuilt, CancellationToken.None);
        var pushed = project.Build($"-t:PushImages -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslRegistry={TestEngine.Registry}");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
        TestEngine.AssertPushed(pushed.Output, $"{TestEngine.Registry}/tests/state-removed:latest");
    }

    /// <summary>
    /// A base image whose tag moved after the build — a `docker pull` of a patched base, a base rebuilt locally, a tag
    /// pushed anew to the registry: `docker build` of the same Dockerfile stands on the new base, and so must an explicit
    /// BuildImages, not report the old image as up to date. Both places a builder takes a base from: the daemon's copy,
    /// and (when the daemon has none) the registry, where the tag is asked for its digest.
    /// </summary>
    [Fact]
    public async Task A_base_image_whose_tag_moved_since_the_build_is_built_on_again()
    {
        using var engine = await TestEngine.ConnectAsync();
        var local = "tests/state-base:moving";
        var remote = $"{TestEngine.Registry}/tests/state-base:moving";
        await engine.TagAsync(TestEngine.BaseImage, ImageDsl.Build.Registry.ImageReference.Parse(local), CancellationToken.None);
        await MoveAsync(engine, remote, "1", pushed: true);

        foreach (var (reference, kind) in new[] { (local, "local"), (remote, "remote") })
        {
            using var project = new MSBuildProject(Definition("tests/state-base-" + kind), new Dictionary<string, string> { ["message.txt"] = "on a base\n" });
            var build = $"-t:BuildImages -p:ImageDslBuildArgs=BASE_IMAGE={reference}";
            var first = project.Build(build);
            Assert.True(first.ExitCode == 0, first.Output);
            var again = project.Build(build);
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.Contains($"tests/state-base-{kind} is up to date", again.Output);

            await MoveAsync(engine, reference, kind + "-2", pushed: kind == "remote");
            var moved = project.Build(build);
            Assert.True(moved.ExitCode == 0, moved.Output);
            Assert.Contains($"building tests/state-base-{kind}", moved.Output);
            Assert.Equal(kind + "-2", (await engine.InspectImageAsync($"tests/state-base-{kind}:latest", CancellationToken.None))!.Config!.Labels!["generation"]);
        }
    }

    /// <summary>
    /// With a platform named, BuildKit passes over the daemon's copy of a base that is for another platform and resolves
    /// the reference in the registry: a registry tag that moved since the build is a new build there too, although the
    /// daemon's copy (a decoy, here the amd64 test base under the same name) never changed.
    /// </summary>
    [Fact]
    public async Task With_a_platform_named_a_moved_registry_tag_is_built_on_again_past_a_daemon_copy_for_another_platform()
    {
        using var engine = await TestEngine.ConnectAsync();
        var reference = $"{TestEngine.Registry}/tests/state-base-arm64:moving";
        PushArm64Base(reference, "1");
        await engine.TagAsync(TestEngine.BaseImage, ImageDsl.Build.Registry.ImageReference.Parse(reference), CancellationToken.None);
        using var project = new MSBuildProject(Definition("tests/state-arm64"), new Dictionary<string, string> { ["message.txt"] = "on arm64\n" });
        var build = $"-t:BuildImages -p:ImageDslBuilder=buildkit -p:ImageDslPlatform=linux/arm64 -p:ImageDslBuildArgs=BASE_IMAGE={reference}";

        var first = project.Build(build);
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal("1", (await engine.InspectImageAsync("tests/state-arm64:latest", CancellationToken.None))!.Config!.Labels!["generation"]);
        var again = project.Build(build);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("tests/state-arm64 is up to date", again.Output);

        PushArm64Base(reference, "2");
        var moved = project.Build(build);
        Assert.True(moved.ExitCode == 0, moved.Output);
        Assert.Contains("building tests/state-arm64", moved.Output);
        var image = (await engine.InspectImageAsync("tests/state-arm64:latest", CancellationToken.None))!;
        Assert.Equal(("arm64", "2"), (image.Architecture, image.Config!.Labels!["generation"]));
    }

    /// <summary>Pushes an arm64 image (the multi-platform test base's, with a label) under <paramref name="reference"/>, without the daemon.</summary>
    private static void PushArm64Base(string reference, string generation)
    {
        var parsed = ImageDsl.Build.Registry.ImageReference.Parse(reference);
        using var project = new MSBuildProject($$"""
            [Image("{{parsed.Repository}}", SmokeRun = false)]
            public static partial class Base
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).Label("generation", "{{generation}}");
            }
            """);
        var pushed = project.Build($"-t:PushImages -p:ImageDslBuilder=daemonless -p:ImageDslPlatform=linux/arm64 -p:ImageDslRegistry={parsed.Registry} " +
            $"-p:ContainerImageTag={parsed.Tag} -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Get("IMAGEDSL_MULTIPLATFORM_BASE_IMAGE")}");
        Assert.True(pushed.ExitCode == 0, pushed.Output);
    }

    /// <summary>Points <paramref name="reference"/> at a new image (the test base with a label); when pushed, the daemon keeps no copy under that name.</summary>
    private static async Task MoveAsync(ImageDsl.Build.Docker.DockerEngine engine, string reference, string generation, bool pushed)
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-moving-base-");
        try
        {
            await engine.BuildAsync(new ImageDsl.Build.Docker.BuildRequest(reference, $"FROM {TestEngine.BaseImage}\nLABEL generation={generation}\n", context.FullName, new[] { reference },
                    new Dictionary<string, string>(), new Dictionary<string, string>(), NetworkMode: TestEngine.NetworkMode),
                TestEngine.Layout(context.FullName, ImageDsl.Build.Docker.BuilderKind.BuildKit), ImageDsl.Build.Docker.BuilderKind.BuildKit, new ListLog(), CancellationToken.None);
            if (!pushed) return;
            await engine.PushAsync(ImageDsl.Build.Registry.ImageReference.Parse(reference), null, ImageDsl.Build.Registry.PushPolicy.Default, _ => { }, CancellationToken.None);
            await engine.RemoveImageAsync(reference, CancellationToken.None);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_context_file_edited_while_the_image_builds_makes_the_next_build_build_again()
    {
        // A step of its own (the marker), so that no cached build finishes before the edit.
        using var project = new MSBuildProject(Definition("tests/state-edited", $"\n                .Run(\"echo {Guid.NewGuid():N} && sleep 6\")"),
            new Dictionary<string, string> { ["message.txt"] = "before\n" });
        var onBuild = $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true";
        var edited = 0;

        var during = project.Build(onBuild, onLine: line =>
        {
            // The context is being read: edit the file the image copies, while the build still runs.
            if (line.Contains("building tests/state-edited", StringComparison.Ordinal) && Interlocked.Exchange(ref edited, 1) == 0)
            {
                Thread.Sleep(1500);
                project.Write("message.txt", "after\n");
            }
        });
        Assert.True(during.ExitCode == 0, during.Output);
        Assert.Equal(1, edited);
        Assert.Contains("changed while it was being built", during.Output);

        var next = project.Build(onBuild);
        Assert.True(next.ExitCode == 0, next.Output);
        Assert.Contains("building tests/state-edited", next.Output);
        using var engine = await TestEngine.ConnectAsync();
        var run = await engine.RunAsync("tests/state-edited:latest", TimeSpan.FromSeconds(60), "none", CancellationToken.None, new[] { "cat", "/message.txt" });
        Assert.Equal("after\n", run.Stdout);

        var settled = project.Build(onBuild);
        Assert.True(settled.ExitCode == 0, settled.Output);
        Assert.Contains("Skipping target \"_ImageDslBuildIfChanged\" because all output files are up-to-date", settled.Output);
    }

    [Fact]
    public void Names_MSBuild_cannot_list_and_links_to_nowhere_build_once_then_rebuild_only_on_an_edit()
    {
        const string copyAll = """
            [Image("tests/state-names", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage).Copy("data", "/data/").Cmd("ls", "/data");
            }
            """;
        using var project = new MSBuildProject(copyAll, new Dictionary<string, string> { ["data/plain.txt"] = "plain\n", ["data/two\nlines"] = "nl\n" });
        var data = Path.Combine(project.Directory.FullName, "data");
        var latin1 = data + "/" + ImageDsl.Build.Context.FileName.FromBytes(new byte[] { (byte)'n', 0xE9 });
        Machine.WriteNative(latin1, "one\n"u8.ToArray());
        File.CreateSymbolicLink(Path.Combine(data, "dangling"), "nowhere");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(data, "agent.sock")));
        var onBuild = $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true";
        try
        {
            var first = project.Build(onBuild);
            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Contains("building tests/state-names", first.Output);
            Assert.Contains("warning IMAGEDSL2016", first.Output);
            Assert.Contains("agent.sock", first.Output);

            var second = project.Build(onBuild);
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Contains("Skipping target \"_ImageDslBuildIfChanged\" because all output files are up-to-date", second.Output);

            // An edit to the file whose name is not UTF-8 is seen, through the link the inputs list holds for it.
            Thread.Sleep(1100);
            Machine.WriteNative(latin1, "two\n"u8.ToArray());
            var edited = project.Build(onBuild);
            Assert.True(edited.ExitCode == 0, edited.Output);
            Assert.Contains("building tests/state-names", edited.Output);
        }
        finally
        {
            Machine.DeleteNative(latin1); // .NET cannot delete a name that is not UTF-8
        }
    }

    [Fact]
    public void A_full_disk_under_obj_is_a_coded_error_naming_the_path_and_leaves_no_partial_stamp()
    {
        using var project = new MSBuildProject(Definition("tests/state-full"), new Dictionary<string, string> { ["message.txt"] = "full\n" });
        var first = project.Build(BuildImages);
        Assert.True(first.ExitCode == 0, first.Output);
        var state = Path.Combine(project.Directory.FullName, "obj", "Debug", "net10.0", "imagedsl");
        var stamp = Path.Combine(state, "tests-state-full.stamp");
        Assert.True(File.Exists(stamp));

        // The full copy of the directory keeps everything but the stamp: deleting it would free the very block the
        // new one needs.
        using (FullDisk.MountedAt(state, except: stamp))
        {
            project.Write("message.txt", "full, changed\n");
            var result = project.Build(BuildImages);

            Assert.NotEqual(0, result.ExitCode);
            var error = Assert.Single(result.Errors);
            Assert.Contains("IMAGEDSL2015", error);
            Assert.Contains(stamp, error);
            Assert.DoesNotContain("IMAGEDSL9000", result.Output);
            Assert.False(File.Exists(stamp)); // never a stamp that claims the new context is built
            Assert.Empty(Directory.GetFiles(state, "*.tmp"));
        }
    }

    [Fact]
    public void A_state_file_that_cannot_be_written_keeps_its_previous_content()
    {
        var directory = Directory.CreateTempSubdirectory("imagedsl-state-");
        try
        {
            var path = Path.Combine(directory.FullName, "image.stamp");
            File.WriteAllText(path, "previous\n");
            using (FullDisk.MountedAt(directory.FullName))
            {
                var error = Assert.Throws<ImageDslException>(() => StateFile.Write(path, new string('x', 64 * 1024)));

                Assert.Equal(ErrorCodes.StateWriteFailed, error.Code);
                Assert.Contains(path, error.Message);
                Assert.Equal("previous\n", File.ReadAllText(path));
                Assert.False(File.Exists(path + ".tmp"));
            }
        }
        finally
        {
            directory.Delete(true);
        }
    }

    /// <summary>
    /// A small tmpfs mounted over a directory (its files copied in), then filled to the last byte: the directory looks
    /// the same and any write into it fails with ENOSPC. Unmounted (the original files back) on dispose. Needs root,
    /// as CI has.
    /// </summary>
    private sealed class FullDisk : IDisposable
    {
        private readonly string _directory;

        private FullDisk(string directory) => _directory = directory;

        public static FullDisk MountedAt(string directory, string? except = null)
        {
            var copy = Directory.CreateTempSubdirectory("imagedsl-full-");
            foreach (var file in Directory.GetFiles(directory).Where(f => f != except)) File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
            Machine.Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", directory);
            foreach (var file in Directory.GetFiles(copy.FullName)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
            copy.Delete(true);
            try
            {
                using var filler = new FileStream(Path.Combine(directory, ".filler"), System.IO.FileMode.Create);
                var block = new byte[4096];
                while (true) filler.Write(block);
            }
            catch (IOException)
            {
            }

            return new FullDisk(directory);
        }

        public void Dispose() => Machine.Run("umount", _directory);
    }
}
