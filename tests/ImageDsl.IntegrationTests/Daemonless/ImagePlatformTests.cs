using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// Platforms read and matched as containerd's platforms package does for the daemon's BuildKit (Parse, Normalize,
/// Only). <see cref="PlatformChoiceTests"/> has the daemon judge the same choices.
/// </summary>
public class ImagePlatformTests
{
    [Theory]
    [InlineData("linux/amd64", "linux/amd64")]
    [InlineData("linux/amd64/v3", "linux/amd64/v3")]
    [InlineData("linux/x86_64", "linux/amd64")]
    [InlineData("Linux/AMD64", "linux/amd64")]
    [InlineData("linux/arm", "linux/arm/v7")]
    [InlineData("linux/arm/7", "linux/arm/v7")]
    [InlineData("linux/arm/v6", "linux/arm/v6")]
    [InlineData("linux/armhf", "linux/arm/v7")]
    [InlineData("linux/armel", "linux/arm/v6")]
    [InlineData("linux/arm64/v8", "linux/arm64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    [InlineData("linux/i386", "linux/386")]
    public void A_target_platform_is_read_and_normalized_as_BuildKit_reads_it(string text, string expected) =>
        Assert.Equal(expected, ImagePlatform.Parse(text).ToString());

    [Theory]
    // A FROM's --platform is parsed but not normalized: arm without a variant stays so, arm64's v8 is kept.
    [InlineData("linux/arm", "linux/arm")]
    [InlineData("linux/arm/v7", "linux/arm/v7")]
    [InlineData("linux/arm64/v8", "linux/arm64/v8")]
    [InlineData("linux/arm64", "linux/arm64")]
    [InlineData("linux/aarch64", "linux/arm64")]
    public void A_platform_as_written_keeps_what_containerd_Parse_keeps(string text, string expected) =>
        Assert.Equal(expected, ImagePlatform.ParseAsWritten(text).ToString());

    [Theory]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("linux/arm/v7/x")]
    [InlineData("linux/arm/v8.1")]
    [InlineData("linux/*")]
    public void A_malformed_platform_is_refused(string text) => Assert.Throws<FormatException>(() => ImagePlatform.Parse(text));

    [Theory]
    // arm v7 takes v7, else v6, else v5 — whatever order the index lists them in.
    [InlineData("linux/arm", "linux/arm/v5 linux/arm/v6 linux/arm/v7", 2)]
    [InlineData("linux/arm", "linux/arm/v5 linux/arm/v6", 1)]
    [InlineData("linux/arm/v6", "linux/arm/v7 linux/arm/v5 linux/arm/v6", 2)]
    [InlineData("linux/arm/v5", "linux/arm/v7 linux/arm/v6", -1)]
    // An entry's own platform is normalized too: arm without a variant is v7, arm64/v8 is arm64.
    [InlineData("linux/arm/v7", "linux/amd64 linux/arm", 1)]
    [InlineData("linux/arm64", "linux/amd64 linux/arm64/v8", 1)]
    [InlineData("linux/arm64/v8", "linux/arm64", 0)]
    // Otherwise exactly the platform: amd64 is not amd64/v2, and of two equal entries the first.
    [InlineData("linux/amd64", "linux/amd64/v2 linux/amd64 linux/amd64", 1)]
    [InlineData("linux/amd64", "linux/amd64/v2 linux/arm64", -1)]
    [InlineData("linux/arm64", "windows/arm64 linux/arm64", 1)]
    public void An_index_entry_is_chosen_as_containerd_Only_chooses_it(string wanted, string listed, int expected)
    {
        var entries = listed.Split(' ').Select(e => e.Split('/')).Select(p => (ImagePlatform?)new ImagePlatform(p[0], p[1], p.Length == 3 ? p[2] : null)).ToList();
        entries.Insert(0, new ImagePlatform("unknown", "unknown", null)); // an attestation's entry is never chosen

        Assert.Equal(expected < 0 ? -1 : expected + 1, ImagePlatform.Parse(wanted).Choose(entries));
    }

    [Fact]
    public void An_entry_that_states_no_platform_comes_after_every_accepted_one()
    {
        var wanted = ImagePlatform.Parse("linux/arm");
        Assert.Equal(2, wanted.Choose(new ImagePlatform?[] { null, new("linux", "amd64", null), new("linux", "arm", "v5") }));
        Assert.Equal(0, wanted.Choose(new ImagePlatform?[] { null, new("linux", "amd64", null) }));
        // Its image is then checked by the os and architecture of its config, the variant aside.
        Assert.True(new ImagePlatform("linux", "arm", "v5").IsFor(wanted));
        Assert.False(new ImagePlatform("linux", "arm", null).IsFor(ImagePlatform.Parse("linux/arm/v6")));
        Assert.False(new ImagePlatform("linux", "arm64", null).IsFor(wanted));
    }
}
