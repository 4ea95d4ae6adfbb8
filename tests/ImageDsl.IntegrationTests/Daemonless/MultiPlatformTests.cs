using System.Text.Json;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// Several platforms from a base image index (linux/amd64 and linux/arm64 of busybox, made by the engine script):
/// one image per platform, each from its platform's base and with a host publish for its runtime identifier, and an
/// index over them under the tag.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class MultiPlatformTests
{
    [Fact]
    public async Task Each_platform_gets_its_image_and_an_index_is_pushed_over_them()
    {
        using var project = HostPublishProject("\"tests/multi-platform\", ExpectOutput = \"App.dll\"");
        var tag = "multi-" + Guid.NewGuid().ToString("N")[..8];

        var result = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} -p:ImageDslPlatforms=linux/amd64%3Blinux/arm64 " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Get("IMAGEDSL_MULTIPLATFORM_BASE_IMAGE")}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("building tests/multi-platform without a daemon (daemonless builder, linux/arm64", result.Output);
        using var client = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        var index = await client.GetManifestAsync("tests/multi-platform", tag, CancellationToken.None);
        Assert.NotNull(index);
        Assert.True(index!.IsIndex, index.MediaType);
        using var document = JsonDocument.Parse(index.Content);
        var manifests = document.RootElement.GetProperty("manifests").EnumerateArray().ToList();
        Assert.Equal(new[] { "amd64", "arm64" }, manifests.Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));
        var apphosts = new List<string>();
        foreach (var entry in manifests)
        {
            var manifest = await client.GetManifestAsync("tests/multi-platform", entry.GetProperty("digest").GetString()!, CancellationToken.None);
            using var image = JsonDocument.Parse(manifest!.Content);
            var configPath = Path.Combine(project.Directory.FullName, "config-" + entry.GetProperty("platform").GetProperty("architecture").GetString());
            await client.DownloadBlobAsync("tests/multi-platform", image.RootElement.GetProperty("config").GetProperty("digest").GetString()!, configPath, CancellationToken.None);
            using var config = JsonDocument.Parse(await File.ReadAllBytesAsync(configPath));
            // Each image is its platform's: the config says so, and so does the base layer under it.
            Assert.Equal(entry.GetProperty("platform").GetProperty("architecture").GetString(), config.RootElement.GetProperty("architecture").GetString());
            apphosts.Add(image.RootElement.GetProperty("layers").EnumerateArray().Last().GetProperty("digest").GetString()!);
        }

        // The published apphost is an ELF for each runtime identifier: the app layers differ.
        Assert.NotEqual(apphosts[0], apphosts[1]);
        Assert.Contains("linux-arm64", result.Output);

        // The amd64 image runs here.
        var reference = $"{TestEngine.Registry}/tests/multi-platform:{tag}";
        await DaemonlessBuildTests.PullAsync(reference);
        using var engine = await TestEngine.ConnectAsync();
        var run = await engine.RunAsync(reference, TimeSpan.FromSeconds(60), "none", CancellationToken.None);
        Assert.Contains("App.dll", run.Stdout);
    }

    /// <summary>
    /// ContainerRuntimeIdentifiers, as the SDK names it: the platforms by runtime identifier, so that a platform's host
    /// publish can be for musl (an Alpine base), which ImageDslPlatforms cannot say. Each image's app is published for
    /// the identifier that named its platform (its deps.json says which).
    /// </summary>
    [Fact]
    public async Task Runtime_identifiers_name_the_platforms_and_each_publish_is_for_its_own()
    {
        using var project = HostPublishProject("\"tests/multi-rid\", SmokeRun = false");
        var tag = "rid-" + Guid.NewGuid().ToString("N")[..8];

        var result = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} -p:ContainerRuntimeIdentifiers=linux-musl-x64%3Blinux-arm64 " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Get("IMAGEDSL_MULTIPLATFORM_BASE_IMAGE")}");

        Assert.True(result.ExitCode == 0, result.Output);
        using var client = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        var index = await client.GetManifestAsync("tests/multi-rid", tag, CancellationToken.None);
        using var document = JsonDocument.Parse(index!.Content);
        var targets = new List<string>();
        foreach (var entry in document.RootElement.GetProperty("manifests").EnumerateArray())
        {
            var manifest = await client.GetManifestAsync("tests/multi-rid", entry.GetProperty("digest").GetString()!, CancellationToken.None);
            using var image = JsonDocument.Parse(manifest!.Content);
            var layerPath = Path.Combine(project.Directory.FullName, "layer-" + targets.Count);
            await client.DownloadBlobAsync("tests/multi-rid", image.RootElement.GetProperty("layers").EnumerateArray().Last().GetProperty("digest").GetString()!, layerPath, CancellationToken.None);
            using var layer = new System.Formats.Tar.TarReader(new System.IO.Compression.GZipStream(File.OpenRead(layerPath), System.IO.Compression.CompressionMode.Decompress));
            string? deps = null;
            while (await layer.GetNextEntryAsync() is { } file)
            {
                if (file.Name.EndsWith(".deps.json", StringComparison.Ordinal) && file.DataStream is { } data) deps = await new StreamReader(data).ReadToEndAsync();
            }

            using var depsJson = JsonDocument.Parse(deps ?? throw new Xunit.Sdk.XunitException("no .deps.json in the app layer"));
            targets.Add(entry.GetProperty("platform").GetProperty("architecture").GetString() + " " + depsJson.RootElement.GetProperty("runtimeTarget").GetProperty("name").GetString());
        }

        Assert.Equal(new[] { "amd64 .NETCoreApp,Version=v10.0/linux-musl-x64", "arm64 .NETCoreApp,Version=v10.0/linux-arm64" }, targets);
    }

    [Theory]
    [InlineData("-p:ContainerRuntimeIdentifiers=linux-x64 -p:ImageDslPlatforms=linux/amd64", "ContainerRuntimeIdentifiers", "not both")]
    [InlineData("-p:ContainerRuntimeIdentifiers=win-x64", "ContainerRuntimeIdentifiers", "Linux runtime identifiers")]
    [InlineData("-p:ContainerRuntimeIdentifiers=linux-x64%3Blinux-musl-x64", "ContainerRuntimeIdentifiers", "name one platform")]
    [InlineData("-p:ImageDslPlatforms=linux/amd64%3Blinux/arm64 -p:ImageDslPublishRuntimeIdentifier=linux-musl-x64", "ImageDslPublishRuntimeIdentifier", "ContainerRuntimeIdentifiers")]
    [InlineData("-p:ImageDslPlatform=linux/arm64 -p:ImageDslPublishRuntimeIdentifier=linux-x64", "ImageDslPublishRuntimeIdentifier", "linux-arm64 for linux/arm64")]
    [InlineData("-p:ImageDslPlatform=linux/amd64 -p:ImageDslPublishRuntimeIdentifier=win-x64", "ImageDslPublishRuntimeIdentifier", "publishes for another machine")]
    public void Platforms_that_cannot_be_built_as_written_are_refused_naming_the_property(string properties, string property, string message)
    {
        using var project = new MSBuildProject("""
            [Image("tests/rid-refused")]
            public static partial class Image
            {
                static Dockerfile Define() => Dockerfile.From("busybox:1.36").Copy(DotNet.HostPublish(), "/app/");
            }
            """, new Dictionary<string, string> { ["Program.cs"] = "System.Console.WriteLine(\"app\");\n" },
            projectXml: "<PropertyGroup><OutputType>Exe</OutputType></PropertyGroup>");

        var result = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} {properties}");

        Assert.Contains(message, result.RefusedProperty(property));
        Assert.DoesNotContain("building tests/rid-refused", result.Output);
    }

    /// <summary>.NET's linux-arm runtime is ARMv7: a host publish for an arm v6 image is refused, naming the property.</summary>
    [Fact]
    public void A_host_publish_for_arm_v6_is_refused()
    {
        using var project = new MSBuildProject("""
            [Image("tests/arm-v6")]
            public static partial class Image
            {
                static Dockerfile Define() => Dockerfile.From("busybox:1.36").Copy(DotNet.HostPublish(), "/app/");
            }
            """, new Dictionary<string, string> { ["Program.cs"] = "System.Console.WriteLine(\"app\");\n" },
            projectXml: "<PropertyGroup><OutputType>Exe</OutputType></PropertyGroup>");

        var result = project.Build($"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslPlatforms=linux/amd64%3Blinux/arm/v6");

        Assert.Contains("no runtime for linux/arm/v6", result.RefusedProperty("ImageDslPlatforms"));
        Assert.DoesNotContain("building tests/arm-v6", result.Output);
    }

    /// <summary>An app whose image copies its host publish onto a base build argument, with these [Image] arguments.</summary>
    private static MSBuildProject HostPublishProject(string imageArguments) => new($$"""
        [Image({{imageArguments}})]
        public static partial class Image
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy(DotNet.HostPublish(), "/app/")
                .Cmd("ls", "/app");
        }
        """, new Dictionary<string, string> { ["Program.cs"] = "System.Console.WriteLine(\"app\");\n" },
        projectXml: "<PropertyGroup><OutputType>Exe</OutputType></PropertyGroup>");
}
