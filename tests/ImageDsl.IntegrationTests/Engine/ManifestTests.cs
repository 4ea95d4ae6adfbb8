using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>The manifest the generator records (stages, base images, context reads), read back from a compiled assembly.</summary>
public class ManifestTests
{
    private static ImageDefinition KitchenSink =>
        ImageMetadataReader.Read(typeof(ImageDsl.Tests.Definitions.KitchenSink).Assembly.Location).Single(i => i.Name == "tests/kitchen-sink");

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
}
