using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// BuildKit sets its automatic platform arguments (<c>ARG TARGETARCH</c> declared without a default) from the
/// platform; the classic builder leaves them empty. The daemon shows the disagreement, and the builder check refuses
/// such a definition for the classic builder unless the build passes the value — with which both builders agree.
/// </summary>
public sealed class AutomaticPlatformArgumentTests
{
    private static readonly Dockerfile Definition = Dockerfile.From(TestEngine.BaseImage)
        .Arg(new BuildArg("TARGETARCH"))
        .Label("arch", "[" + new BuildArg("TARGETARCH") + "]");

    [Fact]
    public async Task The_classic_builder_is_refused_an_automatic_argument_unless_the_build_gives_its_value()
    {
        using var engine = await TestEngine.ConnectAsync();
        var none = new Dictionary<string, string>();

        // The daemon, unchecked: BuildKit fills the argument, the classic builder does not.
        var fromBuildKit = await LabelAsync(engine, BuilderKind.BuildKit, none);
        var fromClassic = await LabelAsync(engine, BuilderKind.Classic, none);
        Assert.Matches(@"^\[[a-z0-9]+\]$", fromBuildKit);
        Assert.Equal("[]", fromClassic);

        var error = Assert.Throws<ImageDslException>(() => new BuilderCapabilities(BuilderKind.Classic, engine.EngineVersion).Check("app", Definition.ToString(), none));
        Assert.Equal(ErrorCodes.UnsupportedFeature, error.Code);
        Assert.Contains("TARGETARCH", error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("ImageDslBuilder=buildkit", error.Message);
        new BuilderCapabilities(BuilderKind.BuildKit, engine.EngineVersion).Check("app", Definition.ToString(), none);

        // Given its value, the classic builder is let through and agrees with BuildKit.
        var given = new Dictionary<string, string> { ["TARGETARCH"] = fromBuildKit.Trim('[', ']') };
        new BuilderCapabilities(BuilderKind.Classic, engine.EngineVersion).Check("app", Definition.ToString(), given);
        Assert.Equal(fromBuildKit, await LabelAsync(engine, BuilderKind.Classic, given));
    }

    [Fact]
    public async Task A_platform_flag_from_an_automatic_argument_is_refused_for_the_classic_builder()
    {
        using var engine = await TestEngine.ConnectAsync();
        var dockerfile = Dockerfile.From(TestEngine.BaseImage, Platform.BuildPlatform).Label("a", "b").ToString();

        var error = Assert.Throws<ImageDslException>(() => new BuilderCapabilities(BuilderKind.Classic, engine.EngineVersion).Check("app", dockerfile, new Dictionary<string, string>()));

        Assert.Contains("BUILDPLATFORM", error.Message);
        Assert.Contains("line 1", error.Message);
        new BuilderCapabilities(BuilderKind.BuildKit, engine.EngineVersion).Check("app", dockerfile, new Dictionary<string, string>());
    }

    private static async Task<string> LabelAsync(DockerEngine engine, BuilderKind builder, IReadOnlyDictionary<string, string> buildArgs)
    {
        var tag = $"imagedsl-tests/automatic-argument:{builder.ToString().ToLowerInvariant()}";
        var context = Directory.CreateTempSubdirectory("imagedsl-automatic-argument-");
        try
        {
            var request = new BuildRequest(tag, Definition.ToString(), context.FullName, new[] { tag }, buildArgs, new Dictionary<string, string>(),
                NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
            return (await engine.InspectImageAsync(tag, CancellationToken.None))!.Config!.Labels!["arch"];
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }
}
