using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// Repositories and tags from MSBuild, named as the .NET SDK names them (ContainerRepository, ContainerImageTags,
/// ContainerRegistry), per image with ImageDslImage items, and checked before anything is built.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class NamingTests
{
    private static string Images(string first, string second) => $$"""
        [Image("{{first}}", SmokeRun = false)]
        public static partial class First
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage).Copy("message.txt", "/first.txt");
        }
        """ + (second.Length == 0 ? "" : $$"""

        [Image("{{second}}", SmokeRun = false)]
        public static partial class Second
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage).Copy("message.txt", "/second.txt");
        }
        """);

    private static readonly Dictionary<string, string> Files = new() { ["message.txt"] = "m\n" };

    private static string BaseArgs => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}";

    [Fact]
    public async Task Tags_and_repository_come_from_the_SDKs_container_properties_and_are_pushed_to_ContainerRegistry()
    {
        var revision = "git" + Guid.NewGuid().ToString("N")[..7];
        using var project = new MSBuildProject(Images("tests/as-defined", ""), Files);

        var result = project.Build($"{BaseArgs} -t:PushImages -p:ContainerRepository=tests/renamed -p:ContainerImageTags=1.2.3%3B{revision} -p:ContainerRegistry={TestEngine.Registry}");

        Assert.True(result.ExitCode == 0, result.Output);
        TestEngine.AssertPushed(result.Output, $"{TestEngine.Registry}/tests/renamed:1.2.3");
        TestEngine.AssertPushed(result.Output, $"{TestEngine.Registry}/tests/renamed:{revision}");
        Assert.DoesNotContain("tests/as-defined:latest", result.Output);
        using var engine = await TestEngine.ConnectAsync();
        var image = await engine.InspectImageAsync($"tests/renamed:{revision}", CancellationToken.None);
        Assert.NotNull(image);
        Assert.Contains($"tests/renamed:1.2.3", image!.RepoTags);
    }

    [Fact]
    public async Task Each_image_of_a_project_takes_its_own_repository_and_tags_from_an_ImageDslImage_item()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        using var project = new MSBuildProject(Images("tests/naming-a", "tests/naming-b"), Files, projectXml: $"""
            <ItemGroup>
              <ImageDslImage Include="tests/naming-a" Repository="tests/naming-api" Tags="{tag}" />
            </ItemGroup>
            """);

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ContainerImageTag=shared-{tag}");

        Assert.True(result.ExitCode == 0, result.Output);
        using var engine = await TestEngine.ConnectAsync();
        Assert.NotNull(await engine.InspectImageAsync($"tests/naming-api:{tag}", CancellationToken.None)); // the item wins
        Assert.Null(await engine.InspectImageAsync($"tests/naming-api:shared-{tag}", CancellationToken.None));
        Assert.NotNull(await engine.InspectImageAsync($"tests/naming-b:shared-{tag}", CancellationToken.None)); // the property for the rest
    }

    [Theory]
    [InlineData("", "\"-p:ContainerImageTags=1.2.3+build.7\"", "ContainerImageTags", "1.2.3+build.7", "a tag is up to 128")]
    [InlineData("", "-p:ContainerRepository=Team/Api", "ContainerRepository", "Team/Api", "lowercase")]
    [InlineData("tests/naming-d", "-p:ContainerRepository=tests/one", "ContainerRepository", "tests/one", "ImageDslImage items")]
    [InlineData("", "", "ImageDslImage", "tests/no-such-image", "names no image of this project")]
    public void Every_reference_is_checked_before_anything_is_built(string second, string arguments, string source, string value, string allowed)
    {
        using var project = new MSBuildProject(Images("tests/naming-c", second), Files, projectXml: source == "ImageDslImage"
            ? """<ItemGroup><ImageDslImage Include="tests/no-such-image" Tags="x" /></ItemGroup>"""
            : "");

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true {arguments}");

        Assert.Contains(allowed, result.RefusedProperty(source, value));
        Assert.DoesNotContain("ImageDsl: building", result.Output);
    }
}
