using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>The manifest the generator records (stages, base images, context reads), read back from a compiled assembly.</summary>
public class ManifestTests
{
    private static ImageDefinition KitchenSink =>
        ImageMetadataReader.Read(typeof(ImageDsl.Tests.Definitions.KitchenSink).Assembly.Location).Single(i => i.Name == "tests/kitchen-sink");

    // Three stages: an unnamed one FROM scratch, a named one FROM an image, and one FROM the named stage.
    private static readonly ImageManifest Steps = new(
        new[]
        {
            new ManifestStage(null, new[] { new PathPart("scratch", null, null) }, Array.Empty<int>()),
            new ManifestStage("build", new[] { new PathPart(null, "BASE", PathPart.Literal("busybox")) }, Array.Empty<int>()),
            new ManifestStage(null, null, new[] { 1 }),
        },
        Array.Empty<ContextPath>(), Array.Empty<MountedId>(), Array.Empty<MountedId>(), Array.Empty<ImageUse>(),
        new[]
        {
            new ManifestStep(-1, "other", null, 0, 0),         // Step 1: ARG BASE
            new ManifestStep(0, "from", "A.cs", 1, 1),         // Step 2, not numbered by BuildKit (scratch)
            new ManifestStep(0, "copy", "A.cs", 2, 1),         // Step 3, [stage-0 1/1]
            new ManifestStep(1, "from", "A.cs", 3, 1),         // Step 4, [build 1/3]
            new ManifestStep(1, "comment", "A.cs", 4, 1),      // not an instruction
            new ManifestStep(1, "other", "A.cs", 5, 1),        // Step 5 (ENV)
            new ManifestStep(1, "workdir", "A.cs", 6, 1),      // Step 6, [build 2/3]
            new ManifestStep(1, "run", "A.cs", 7, 1),          // Step 7, [build 3/3]
            new ManifestStep(2, "from", "A.cs", 8, 1),         // Step 8, not numbered (FROM a stage)
            new ManifestStep(2, "run", null, 0, 0),            // Step 9, [stage-2 1/1], place unknown
        });

    [Theory]
    [InlineData("Step 3/9 : COPY a /a", 2)]
    [InlineData("Step 7/9 : RUN make", 7)]
    [InlineData("Step 5/9 : ENV A=1", 5)]
    [InlineData("[stage-0 1/1] COPY a /a", 2)]
    [InlineData("[build 1/3] FROM docker.io/library/busybox:latest", 3)]
    [InlineData("[build 3/3] RUN make", 7)]
    [InlineData("[linux/amd64 build 2/3] WORKDIR /src", 6)]
    [InlineData("[BUILD 3/3] RUN make", 7)]
    [InlineData("[stage-2 1/1] RUN x", null)]
    [InlineData("Step 9/9 : RUN x", null)]
    [InlineData("[stage-1 1/3] RUN make", null)]
    [InlineData("[internal] load metadata for docker.io/library/busybox:latest", 3)] // the FROM that names it
    [InlineData("[linux/arm64 internal] load metadata for docker.io/library/busybox:latest", 3)]
    [InlineData("[internal] load metadata for docker.io/library/busybox:1.36", null)]
    [InlineData("[internal] load metadata for docker.io/library/alpine:latest", null)]
    [InlineData("[build 9/9] RUN make", null)]
    public void A_builders_step_name_maps_to_the_line_of_the_call_that_wrote_it(string step, int? line) =>
        Assert.Equal(line, StepLocator.Locate(Steps, step, new Dictionary<string, string>())?.Line);

    [Theory]
    [InlineData("busybox", "[internal] load metadata for docker.io/library/busybox:latest")]
    [InlineData("team/app:1.0", "[internal] load metadata for docker.io/team/app:1.0")]
    [InlineData("127.0.0.1:5000/base/app", "[internal] load metadata for 127.0.0.1:5000/base/app:latest")]
    [InlineData("busybox@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "[internal] load metadata for docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void A_base_image_that_BuildKit_cannot_resolve_maps_to_the_FROM_whatever_its_spelling(string baseImage, string step)
    {
        var values = new Dictionary<string, string> { ["BASE"] = baseImage };
        Assert.Equal(3, StepLocator.Locate(Steps, step, values)?.Line);
        Assert.Null(StepLocator.Locate(Steps, step.Replace("load metadata", "load build definition", StringComparison.Ordinal), values));
    }

    [Fact]
    public void An_image_that_a_copy_names_maps_to_that_copy_when_no_FROM_names_it()
    {
        var manifest = Steps with { Images = new[] { new ImageUse(1, "nginx:1.27", Step: 5), new ImageUse(1, "busybox", Step: 7) } };
        var values = new Dictionary<string, string> { ["BASE"] = "busybox" };
        Assert.Equal(6, StepLocator.Locate(manifest, "[internal] load metadata for docker.io/library/nginx:1.27", values)?.Line); // the WORKDIR's place here
        Assert.Equal(3, StepLocator.Locate(manifest, "[internal] load metadata for docker.io/library/busybox:latest", values)?.Line); // a FROM names it first
        Assert.Null(StepLocator.Locate(Steps, "[internal] load metadata for docker.io/library/nginx:1.27", values));
        // The image's own stage, as BuildKit names it, with or without the digest it resolved to.
        Assert.Equal(6, StepLocator.Locate(manifest, "FROM docker.io/library/nginx:1.27", values)?.Line);
        Assert.Equal(6, StepLocator.Locate(manifest, "FROM docker.io/library/nginx:1.27@sha256:" + new string('0', 64), values)?.Line);
        Assert.Null(StepLocator.Locate(manifest, "FROM docker.io/library/nginx:1.28", values));
    }

    [Fact]
    public void A_base_that_a_build_argument_makes_scratch_is_not_numbered_by_BuildKit()
    {
        var scratch = new Dictionary<string, string> { ["BASE"] = "scratch" };
        Assert.Equal(7, StepLocator.Locate(Steps, "[build 2/2] RUN make", scratch)?.Line);
    }

    [Fact]
    public void Stages_and_context_reads_are_recorded_as_the_definition_says()
    {
        var manifest = KitchenSink.Manifest;

        Assert.Equal(new string?[] { "tools", "assets", "final" }, manifest.Stages.Select(s => s.Name));
        Assert.Equal(new[] { 0, 1 }, manifest.Stages[2].Needs);
        Assert.Equal("BASE_IMAGE", Assert.Single(manifest.Stages[0].BaseImage!).Argument);
        Assert.Null(manifest.Stages[2].BaseImage); // FROM tools
        var none = new Dictionary<string, string>();
        var reads = manifest.Reads.Select(r => (r.Stage, r.IsPattern, Text: r.Resolve(none))).ToList();
        Assert.Contains((0, false, "src"), reads); // the bind mount's source
        Assert.Contains((1, false, "a.txt"), reads);
        Assert.Contains((1, false, "b dir/c.txt"), reads);
        Assert.Contains((2, false, "vendor.tar"), reads);
        Assert.Contains((2, true, "*.csproj"), reads);
        Assert.Contains((2, false, "odd [name].txt"), reads); // Glob.Literal: a literal path
        Assert.DoesNotContain(reads, r => r.Text.StartsWith("https:", StringComparison.Ordinal)); // URLs are not context reads
        Assert.DoesNotContain(reads, r => r.Text == "/opt/"); // --from copies are not context reads
    }

    [Fact]
    public void Reads_of_a_target_stage_are_those_of_the_stages_it_needs()
    {
        var manifest = KitchenSink.Manifest;
        Assert.All(manifest.ReadsFor("assets"), r => Assert.Equal(1, r.Stage));
        Assert.Equal(manifest.Reads.Count, manifest.ReadsFor(null).Count());
    }

    [Theory]
    [InlineData("tools", "name of a stage")]
    [InlineData("TOOLS", "name of a stage")]
    [InlineData("Not A Reference", "not an image reference")]
    [InlineData("", "not an image reference")]
    public void A_FROM_build_argument_value_that_names_a_stage_or_no_image_is_refused_before_the_build(string value, string reason)
    {
        var error = Assert.Throws<ImageDslException>(() => KitchenSink.Manifest.CheckBaseImages("tests/kitchen-sink", new Dictionary<string, string> { ["BASE_IMAGE"] = value }));
        Assert.Equal(ErrorCodes.InvalidBaseImage, error.Code);
        Assert.Contains("${BASE_IMAGE}", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_valid_value_or_the_default_passes()
    {
        KitchenSink.Manifest.CheckBaseImages("tests/kitchen-sink", new Dictionary<string, string> { ["BASE_IMAGE"] = "127.0.0.1:5000/base/busybox:1" });
        KitchenSink.Manifest.CheckBaseImages("tests/kitchen-sink", new Dictionary<string, string>());
    }

    [Fact]
    public void Label_keys_are_recorded_per_stage_with_those_of_the_stages_it_starts_from()
    {
        var manifest = KitchenSink.Manifest;

        // The final stage starts FROM tools: its labels are tools' and its own.
        Assert.Equal(new[] { "version", "org.example.a", "org.example.channel", "org.opencontainers.image.title" }, manifest.LabelsOf(null));
        Assert.Equal(new[] { "version", "org.example.a", "org.example.channel" }, manifest.LabelsOf("tools"));
        Assert.Empty(manifest.LabelsOf("assets"));
    }

    private static int KitchenSinkLine(string call) =>
        Array.FindIndex(File.ReadAllLines(Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, "tests", "Definitions", "KitchenSink.cs")),
            l => l.Contains(call, StringComparison.Ordinal)) + 1;

    [Fact]
    public void Build_arguments_an_ENV_of_the_base_image_could_hide_are_recorded_with_their_first_use()
    {
        var manifest = KitchenSink.Manifest;

        // Stage "tools" expands VERSION (first in WORKDIR) and CHANNEL (first in ENV CHANNEL=${CHANNEL}); after that ENV,
        // the Dockerfile's own variable holds CHANNEL, so the later LABELs expose nothing more. The final stage starts
        // from "tools" and expands no argument; "assets" is FROM scratch.
        var exposed = manifest.Stages[0].Exposes!;
        Assert.Equal(new[] { ("VERSION", (string?)"1.2.3"), ("CHANNEL", null) }, exposed.Select(e => (e.Name, e.Value(new Dictionary<string, string>()))));
        var none = new Dictionary<string, string>();
        Assert.Equal(KitchenSinkLine(".Workdir(\"/opt/\" + Version)"), StepLocator.OfInstruction(manifest, exposed[0].Step, "/p")!.Line);
        Assert.Equal(KitchenSinkLine(".Env(\"CHANNEL\", Channel)"), StepLocator.OfInstruction(manifest, exposed[1].Step, "/p")!.Line);
        Assert.Null(manifest.Stages[1].Exposes);
        Assert.Null(manifest.Stages[2].Exposes);
    }

    [Fact]
    public void A_default_built_from_other_arguments_resolves_with_the_values_the_build_gives()
    {
        var manifest = ImageMetadataReader.Read(typeof(ImageDsl.Tests.Definitions.ComposedArguments).Assembly.Location).Single(i => i.Name == "tests/composed-arguments").Manifest;
        var none = new Dictionary<string, string>();

        // FROM ${IMAGE}, IMAGE=${BASE_IMAGE}${VARIANT}: what the build step reads the base image's config from.
        Assert.Equal("busybox:1.36", PathPart.Resolve(manifest.Stages[0].BaseImage!, none));
        Assert.Equal("127.0.0.1:5000/base/busybox:1-x", PathPart.Resolve(manifest.Stages[0].BaseImage!,
            new Dictionary<string, string> { ["BASE_IMAGE"] = "127.0.0.1:5000/base/busybox:1", ["VARIANT"] = "-x" }));
        Assert.Equal("given", PathPart.Resolve(manifest.Stages[0].BaseImage!, new Dictionary<string, string> { ["IMAGE"] = "given", ["VARIANT"] = "-x" }));

        // The stage expands VERSION (in CHANNEL's default), CHANNEL (in APP_HOME's), IMAGE (in the ENV) and APP_HOME (in WORKDIR).
        var exposed = manifest.Stages[0].Exposes!.ToDictionary(e => e.Name);
        Assert.Equal(new[] { "VERSION", "CHANNEL", "IMAGE", "APP_HOME" }, manifest.Stages[0].Exposes!.Select(e => e.Name));
        Assert.Equal("/opt/app-v1.2-stable", exposed["APP_HOME"].Value(none));
        Assert.Equal("/opt/app-v9-stable", exposed["APP_HOME"].Value(new Dictionary<string, string> { ["VERSION"] = "9" }));
        Assert.Equal("/opt/app-given", exposed["APP_HOME"].Value(new Dictionary<string, string> { ["VERSION"] = "9", ["CHANNEL"] = "given" }));
    }

    [Theory]
    [InlineData(true, "VERSION=9", null, "VERSION")]             // the base sets VERSION: ${VERSION} would be 9, not 1.2.3
    [InlineData(true, "CHANNEL=stable", null, "CHANNEL")]        // CHANNEL has no default: docker would write "stable", not ""
    [InlineData(true, "VERSION", null, "VERSION")]               // a variable without '=' is set and empty
    [InlineData(true, "VERSION=1.2.3", null, null)]              // the same value: nothing differs
    [InlineData(true, "VERSION=9", "9", null)]                   // the build's value is the variable's
    [InlineData(true, "PATH=/bin", null, null)]                  // another name
    [InlineData(true, "CHANNEL=", null, null)]                   // empty, as the argument without a value
    [InlineData(false, "VERSION=9", null, null)]                 // BuildKit: the ARG, declared after the inherited variable, wins
    [InlineData(false, "CHANNEL=stable", null, "CHANNEL")]       // BuildKit: an ARG without a value leaves the variable
    [InlineData(false, "CHANNEL=", null, null)]
    public async Task A_base_image_whose_environment_hides_a_build_argument_is_refused_at_the_first_use(bool environmentWins, string variable, string? given, string? hidden)
    {
        var buildArgs = given is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["VERSION"] = given };
        var asked = new List<string>();
        Task<IReadOnlyList<string>?> Environment(string reference)
        {
            asked.Add(reference);
            return Task.FromResult<IReadOnlyList<string>?>(new[] { "HOME=/root", variable });
        }

        var check = KitchenSink.Manifest.CheckHiddenArgumentsAsync("tests/kitchen-sink", buildArgs, environmentWins, Environment, "/project");
        if (hidden is null)
        {
            await check;
        }
        else
        {
            var error = await Assert.ThrowsAsync<ImageDslException>(() => check);
            Assert.Equal(ErrorCodes.ArgumentHiddenByEnv, error.Code);
            Assert.Contains($"build argument {hidden}", error.Message);
            Assert.Contains("busybox:1.36", error.Message);
            Assert.Equal(KitchenSinkLine(hidden == "VERSION" ? ".Workdir(\"/opt/\" + Version)" : ".Env(\"CHANNEL\", Channel)"), error.Origin!.Line);
        }

        // Only the stage FROM an image is looked up, with the build's value of its reference.
        Assert.Equal(new[] { "busybox:1.36" }, asked);
    }

    [Theory]
    [InlineData("a", true)]      // "a" starts FROM "base", FROM img:1, whose environment has X
    [InlineData(null, false)]    // the last stage, "b", does not need "a": its arguments are not expanded
    public async Task A_stage_from_a_stage_is_checked_against_the_image_at_the_root_and_only_when_the_build_runs_it(string? target, bool refused)
    {
        var manifest = new ImageManifest(
            new[]
            {
                new ManifestStage("base", new[] { new PathPart("img:1", null, null) }, Array.Empty<int>()),
                new ManifestStage("a", null, new[] { 0 }, new[] { new ExposedArgument("X", PathPart.Literal("arg"), 2) }, From: 0),
                new ManifestStage("b", new[] { new PathPart("other:1", null, null) }, Array.Empty<int>()),
            },
            Array.Empty<ContextPath>(), Array.Empty<MountedId>(), Array.Empty<MountedId>(), Array.Empty<ImageUse>(), Array.Empty<ManifestStep>()).ForTarget(target);
        var asked = new List<string>();
        Task<IReadOnlyList<string>?> Environment(string reference)
        {
            asked.Add(reference);
            return Task.FromResult<IReadOnlyList<string>?>(new[] { "X=env" });
        }

        var check = manifest.CheckHiddenArgumentsAsync("app", new Dictionary<string, string>(), true, Environment, null);

        if (refused) Assert.Contains("img:1", (await Assert.ThrowsAsync<ImageDslException>(() => check)).Message);
        else await check;
        Assert.Equal(refused ? new[] { "img:1" } : Array.Empty<string>(), asked);
    }
}
