using System.Text.RegularExpressions;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// A build step that fails on the daemon is reported at the C# call that wrote its instruction — the file, line and
/// column the generator recorded — with the daemon's message and the step's last output lines, for both builders.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class ErrorLocationTests
{
    // Two stages, a comment, instructions neither builder numbers (ENV) and one each builder does (WORKDIR, COPY): the
    // failing RUN is the 4th numbered step of stage "build" for BuildKit and the 9th instruction for the classic builder.
    private const string Definition = """
        [Image("tests/step-line", SmokeRun = false)]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

            static Dockerfile Define()
            {
                var build = Dockerfile.From(BaseImage).As("build")
                    .Comment("the failing stage")
                    .Env("STAGE", "build")
                    .Workdir("/src")
                    .Copy("message.txt", "/src/message.txt")
                    .Run("echo output-before-the-failure && exit 3")
                    .Run("echo never");
                return Dockerfile.From(BaseImage)
                    .Copy("/src/message.txt", "/message.txt", from: build)
                    .Cmd("cat", "/message.txt");
            }
        }
        """;

    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    public void A_failed_RUN_is_reported_at_the_CSharp_call_that_wrote_it(string builder)
    {
        using var project = new MSBuildProject(Definition, new Dictionary<string, string> { ["message.txt"] = "m\n" });
        var source = project.Read("Image.cs").Split('\n');
        var line = Array.FindIndex(source, l => l.Contains("output-before-the-failure", StringComparison.Ordinal)) + 1;
        var column = source[line - 1].IndexOf("Run(", StringComparison.Ordinal) + 1;

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:ImageDslNoCache=true");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        var expectedFile = Path.Combine(project.Directory.FullName, "Image.cs");
        Assert.StartsWith($"{expectedFile}({line},{column}): ", error);
        Assert.Contains("error IMAGEDSL2004", error);
        Assert.Contains("echo output-before-the-failure", error);
        // The step's own output (the echo's line, not the command), then the daemon's message, in the error.
        Assert.True(Regex.IsMatch(result.Output, @"error IMAGEDSL2004: .*output-before-the-failure \[", RegexOptions.Multiline), result.Output);
        Assert.True(Regex.IsMatch(result.Output, @"error IMAGEDSL2004: .*(exit code: 3|non-zero code: 3)", RegexOptions.Multiline), result.Output);
    }

    /// <summary>
    /// An image the registry does not have (a mistyped tag, say) is reported at the call that names it — the
    /// <c>Dockerfile.From</c> of a base, the <c>Copy(…, from: "…")</c> of a copied image — whichever builder looked for
    /// it: BuildKit fails its "[internal] load metadata for …" (or the copied image's own "FROM …" stage), the classic
    /// builder its step, the daemonless builder its read of the image.
    /// </summary>
    [Theory]
    [InlineData("buildkit", "from")]
    [InlineData("classic", "from")]
    [InlineData("daemonless", "from")]
    [InlineData("buildkit", "copy")]
    [InlineData("classic", "copy")]
    [InlineData("daemonless", "copy")]
    public void An_image_that_does_not_exist_is_reported_at_the_call_that_names_it(string builder, string namedBy)
    {
        var missing = $"{TestEngine.Registry}/tests/no-such-image-{Guid.NewGuid():N}:1";
        var step = namedBy == "copy" ? $".Copy(\"/etc/motd\", \"/motd\", from: \"{missing}\")" : ".Cmd(\"true\")";
        using var project = new MSBuildProject($$"""
            [Image("tests/missing-image", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");

                static Dockerfile Define() =>
                    Dockerfile.From(BaseImage)
                        {{step}};
            }
            """);
        var source = project.Read("Image.cs").Split('\n');
        var line = Array.FindIndex(source, l => l.Contains(namedBy == "copy" ? ".Copy(" : "Dockerfile.From(", StringComparison.Ordinal)) + 1;
        var baseImage = namedBy == "from" ? missing : builder == "daemonless" ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:ImageDslBuildArgs=BASE_IMAGE={baseImage}");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.True(error.StartsWith($"{Path.Combine(project.Directory.FullName, "Image.cs")}({line},", StringComparison.Ordinal), result.Output);
        // The reference (as the builder spells it) in the error: the classic builder's daemon message is its second line.
        Assert.Matches($@"error IMAGEDSL[0-9]+: .*{Regex.Escape(missing.Split(':')[^2])}", result.Output);
    }

    /// <summary>
    /// The base image sets ENV PATH=/bin; the definition declares a build argument PATH and writes it into a label.
    /// Where the builder would expand the variable instead of the argument — the classic builder always; BuildKit and
    /// the daemonless builder for an argument without a value — the build is refused before anything is built, at the
    /// call that expands the argument. Where the argument's value arrives (BuildKit: an ARG after the inherited
    /// variable wins), it builds, and the label is the argument's. DaemonlessParityTests shows the builders disagree.
    /// </summary>
    [Theory]
    [InlineData("classic", "/opt/tools", true)]
    [InlineData("buildkit", "/opt/tools", false)]
    [InlineData("daemonless", "/opt/tools", false)]
    [InlineData("buildkit", null, true)]
    [InlineData("daemonless", null, true)]
    public async Task A_build_argument_the_base_image_environment_would_hide_is_refused_at_the_call_that_expands_it(string builder, string? defaultValue, bool refused)
    {
        var name = $"tests/hidden-argument-{builder}";
        using var project = new MSBuildProject($$"""
            [Image("{{name}}", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static readonly BuildArg SearchPath = new("PATH"{{(defaultValue is null ? "" : $", \"{defaultValue}\"")}});

                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Arg(SearchPath)
                    .Label("search-path", SearchPath);
            }
            """);
        var source = project.Read("Image.cs").Split('\n');
        var line = Array.FindIndex(source, l => l.Contains(".Label(", StringComparison.Ordinal)) + 1;
        var baseImage = builder == "daemonless" ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:ImageDslNoCache=true -p:ImageDslBuildArgs=BASE_IMAGE={baseImage}");

        if (!refused)
        {
            Assert.True(result.ExitCode == 0, result.Output);
            using var engine = await TestEngine.ConnectAsync();
            Assert.Equal(defaultValue, (await engine.InspectImageAsync(name + ":latest", CancellationToken.None))!.Config!.Labels!["search-path"]);
            return;
        }

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"{Path.Combine(project.Directory.FullName, "Image.cs")}({line},", error);
        Assert.Contains("error IMAGEDSL2026", error);
        Assert.Contains("build argument PATH", error);
        Assert.Contains(baseImage, error);
        Assert.DoesNotContain($"built {name}", result.Output);
    }

    /// <summary>
    /// The same through a default built from the argument: <c>ARG TOOLS=${PATH}/bin</c> expands PATH where TOOLS is
    /// declared, and the classic builder would expand the base image's PATH there. Refused at that declaration; BuildKit
    /// and the daemonless builder build it with the argument's value.
    /// </summary>
    [Theory]
    [InlineData("classic", true)]
    [InlineData("buildkit", false)]
    [InlineData("daemonless", false)]
    public async Task A_build_argument_hidden_where_another_arguments_default_expands_it_is_refused_at_that_declaration(string builder, bool refused)
    {
        var name = $"tests/hidden-in-default-{builder}";
        using var project = new MSBuildProject($$"""
            [Image("{{name}}", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static readonly BuildArg SearchPath = new("PATH", "/opt/tools");
                static readonly BuildArg Tools = new("TOOLS", SearchPath + "/bin");

                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Arg(SearchPath)
                    .Arg(Tools)
                    .Label("tools", Tools);
            }
            """);
        var line = Array.FindIndex(project.Read("Image.cs").Split('\n'), l => l.Contains(".Arg(Tools)", StringComparison.Ordinal)) + 1;
        var baseImage = builder == "daemonless" ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:ImageDslNoCache=true -p:ImageDslBuildArgs=BASE_IMAGE={baseImage}");

        if (!refused)
        {
            Assert.True(result.ExitCode == 0, result.Output);
            using var engine = await TestEngine.ConnectAsync();
            Assert.Equal("/opt/tools/bin", (await engine.InspectImageAsync(name + ":latest", CancellationToken.None))!.Config!.Labels!["tools"]);
            return;
        }

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"{Path.Combine(project.Directory.FullName, "Image.cs")}({line},", error);
        Assert.Contains("error IMAGEDSL2026", error);
        Assert.Contains("build argument PATH", error);
    }

    /// <summary>
    /// The base image's environment is read where the build would read it. A base the daemon does not have yet (the
    /// builder would pull it): its config comes from the registry, so a build argument it would hide (here, for the
    /// classic builder) is refused all the same, and nothing is pulled. A base whose ONBUILD trigger sets the variable:
    /// the trigger runs first in the stage, so it hides the argument too (BuilderAgreementTests shows it with both
    /// builders). Refused before anything is built, at the call that expands the argument.
    /// </summary>
    [Theory]
    [InlineData("ENV VERSION=from-base", true)]
    [InlineData("ONBUILD ENV VERSION=from-trigger", false)]
    [InlineData("ONBUILD ENV VERSION=from-trigger", true)]
    public async Task A_base_images_environment_is_checked_from_the_registry_and_with_its_triggers(string instruction, bool registryOnly)
    {
        var baseImage = $"{TestEngine.Registry}/tests/env-base-{Guid.NewGuid():N}:1";
        using (var engine = await TestEngine.ConnectAsync())
        {
            await TestEngine.BuildAsync(engine, baseImage, $"FROM {TestEngine.BaseImage}\n{instruction}\n", ImageDsl.Build.Docker.BuilderKind.Classic);
            if (registryOnly)
            {
                await engine.PushAsync(ImageDsl.Build.Registry.ImageReference.Parse(baseImage), null, ImageDsl.Build.Registry.PushPolicy.Default, _ => { }, CancellationToken.None);
                await engine.RemoveImageAsync(baseImage, CancellationToken.None);
            }
        }

        using var project = new MSBuildProject("""
            [Image("tests/hidden-by-base", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static readonly BuildArg Version = new("VERSION", "1.0");

                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Arg(Version)
                    .Label("version", Version);
            }
            """);
        var line = Array.FindIndex(project.Read("Image.cs").Split('\n'), l => l.Contains(".Label(", StringComparison.Ordinal)) + 1;

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=classic -p:ImageDslBuildArgs=BASE_IMAGE={baseImage}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"{Path.Combine(project.Directory.FullName, "Image.cs")}({line},", error);
        Assert.Contains("error IMAGEDSL2026", error);
        Assert.Contains("build argument VERSION", error);
        Assert.Contains(baseImage, error);
        using var after = await TestEngine.ConnectAsync();
        if (registryOnly) Assert.Null(await after.InspectImageAsync(baseImage, CancellationToken.None)); // read from the registry, not pulled
    }

    [Fact]
    public void A_failure_in_the_only_stage_is_placed_too()
    {
        using var project = new MSBuildProject("""
            [Image("tests/step-line-single", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Workdir("/w")
                    .Run("exit 4")
                    .Cmd("true");
            }
            """);
        var source = project.Read("Image.cs").Split('\n');
        var line = Array.FindIndex(source, l => l.Contains("exit 4", StringComparison.Ordinal)) + 1;

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslNoCache=true");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"{Path.Combine(project.Directory.FullName, "Image.cs")}({line},", error);
        Assert.Contains("error IMAGEDSL2004", error);
    }
}
