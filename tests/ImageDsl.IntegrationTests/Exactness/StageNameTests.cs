using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// Stage names that capture image references (issue: a stage named like an image, or scratch, replaces it). Each case
/// is a way a name can be referenced — FROM, COPY --from, a mount's from=, a number in --from, FROM with a build
/// argument, FROM scratch — built from a hand-written Dockerfile to show what docker really does with it, beside the
/// same definition written with the DSL, which must be refused at compile time.
/// </summary>
public sealed class StageNameTests : IClassFixture<StageNameTests.PlainImage>
{
    private const string ImageName = "imagedsl-plain";

    public static TheoryData<string, BuilderKind> Cases()
    {
        var data = new TheoryData<string, BuilderKind>();
        foreach (var builder in new[] { BuilderKind.Classic, BuilderKind.BuildKit })
        {
            foreach (var name in Definitions.Keys)
            {
                if (name == "mount from=" && builder == BuilderKind.Classic) continue; // no RUN --mount in the classic builder
                data.Add(name, builder);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, (string Dockerfile, Func<Dockerfile> Definition, string Id)> Definitions = new()
    {
        ["FROM"] = (
            "FROM {base} AS imagedsl-plain\nRUN echo stage > /origin\n\nFROM imagedsl-plain\n",
            () => Dockerfile.From(ImageName).Copy("/origin", "/x", from: Dockerfile.From(TestEngine.BaseImage).As(ImageName)),
            DiagnosticIds.StageNameCapturesImage),
        ["COPY --from"] = (
            "FROM {base} AS imagedsl-plain\nRUN echo stage > /origin\n\nFROM {base}\nCOPY --from=imagedsl-plain /origin /origin\n",
            () => Dockerfile.From(TestEngine.BaseImage).Copy("/origin", "/origin", from: ImageName).Copy("/o", "/o", from: Dockerfile.From(TestEngine.BaseImage).As(ImageName)),
            DiagnosticIds.StageNameCapturesImage),
        ["mount from="] = (
            "FROM {base} AS imagedsl-plain\nRUN echo stage > /origin\n\nFROM {base}\nRUN --mount=type=bind,from=imagedsl-plain,target=/m cp /m/origin /origin\n",
            () => Dockerfile.From(TestEngine.BaseImage).Run("cp /m/origin /origin", mounts: [Mount.Bind("/m", from: ImageName)]).Copy("/o", "/o", from: Dockerfile.From(TestEngine.BaseImage).As(ImageName)),
            DiagnosticIds.StageNameCapturesImage),
        ["FROM with a build argument"] = (
            "ARG BASE=imagedsl-plain\n\nFROM {base} AS imagedsl-plain\nRUN echo stage > /origin\n\nFROM ${BASE}\n",
            () => Dockerfile.From(new BuildArg("BASE", ImageName)).Copy("/o", "/o", from: Dockerfile.From(TestEngine.BaseImage).As(ImageName)),
            DiagnosticIds.StageNameCapturesImage),
        ["a number in --from"] = (
            "FROM {base}\nRUN echo stage > /origin\n\nFROM {base}\nCOPY --from=0 /origin /origin\n",
            () => Dockerfile.From(TestEngine.BaseImage).Copy("/origin", "/origin", from: "0"),
            DiagnosticIds.InvalidImageReference),
        ["FROM scratch"] = (
            "FROM {base} AS scratch\nRUN echo stage > /origin\n\nFROM scratch\n",
            () => Dockerfile.Scratch.Copy("/o", "/o", from: Dockerfile.From(TestEngine.BaseImage).As("scratch")),
            DiagnosticIds.StageNameCapturesImage),
    };

    private readonly PlainImage _image;

    public StageNameTests(PlainImage image) => _image = image;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Docker_resolves_the_reference_to_the_stage_and_the_DSL_refuses_the_definition(string reference, BuilderKind builder)
    {
        var (text, definition, id) = Definitions[reference];
        var tag = $"imagedsl-tests/captured:{builder.ToString().ToLowerInvariant()}";
        using var engine = await TestEngine.ConnectAsync();

        await TestEngine.BuildAsync(engine, tag, text.Replace("{base}", TestEngine.BaseImage), builder);

        // What docker did: /origin comes from the stage ("stage"), not from the image of that name ("image") — or, for
        // scratch, the image is the stage rather than an empty filesystem.
        var origin = await engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/origin" });
        Assert.Equal("stage\n", origin.Stdout);

        DockerfileException? refused = null;
        try
        {
            var problem = definition().Validate().FirstOrDefault(p => p.IsError);
            Assert.NotNull(problem);
            Assert.Equal(id, problem.Id);
        }
        catch (DockerfileException e)
        {
            refused = e;
        }

        Assert.True(refused is null || refused.Id == id, refused?.Message);
    }

    [Theory]
    [InlineData(BuilderKind.Classic)]
    [InlineData(BuilderKind.BuildKit)]
    public async Task A_stage_with_another_name_leaves_the_image_reference_to_the_image(BuilderKind builder)
    {
        var stage = Dockerfile.From(TestEngine.BaseImage).As(ImageName + "-stage").Run("echo stage > /origin");
        var definition = Dockerfile.From(ImageName).Copy("/origin", "/from-stage", from: stage);
        Assert.Empty(definition.Validate());
        var tag = $"imagedsl-tests/not-captured:{builder.ToString().ToLowerInvariant()}";
        using var engine = await TestEngine.ConnectAsync();

        await TestEngine.BuildAsync(engine, tag, definition.ToString(), builder);

        var run = await engine.RunAsync(tag, TimeSpan.FromSeconds(30), "none", CancellationToken.None, new[] { "cat", "/origin", "/from-stage" });
        Assert.Equal("image\nstage\n", run.Stdout);
    }

    /// <summary>A local image with a one-word name, as a stage name could be: imagedsl-plain, whose /origin says "image".</summary>
    public sealed class PlainImage : IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            using var engine = await TestEngine.ConnectAsync();
            await TestEngine.BuildAsync(engine, ImageName + ":latest", $"FROM {TestEngine.BaseImage}\nRUN echo image > /origin\n", BuilderKind.BuildKit);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
