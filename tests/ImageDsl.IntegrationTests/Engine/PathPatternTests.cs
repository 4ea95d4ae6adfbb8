using ImageDsl.Build.Context;
using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

/// <summary>The port of Go's filepath.Match, against the cases of Go's own match_test.go (a bad pattern matches nothing).</summary>
public class PathPatternTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "ab/c", false)]
    [InlineData("a*/b", "abc/b", true)]
    [InlineData("a*/b", "a/c/b", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzx", true)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzy", false)]
    [InlineData("ab[c]", "abc", true)]
    [InlineData("ab[b-d]", "abc", true)]
    [InlineData("ab[e-g]", "abc", false)]
    [InlineData("ab[^c]", "abc", false)]
    [InlineData("ab[^b-d]", "abc", false)]
    [InlineData("ab[^e-g]", "abc", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "ab", false)]
    [InlineData("a?b", "a☺b", true)]
    [InlineData("a[^a]b", "a☺b", true)]
    [InlineData("a???b", "a☺b", false)]
    [InlineData("a[^a][^a][^a]b", "a☺b", false)]
    [InlineData("[a-ζ]*", "α", true)]
    [InlineData("*[a-ζ]", "A", false)]
    [InlineData("a?b", "a/b", false)]
    [InlineData("a*b", "a/b", false)]
    [InlineData("[\\]a]", "]", true)]
    [InlineData("[\\-]", "-", true)]
    [InlineData("[x\\-]", "x", true)]
    [InlineData("[x\\-]", "-", true)]
    [InlineData("[x\\-]", "z", false)]
    [InlineData("[\\-x]", "x", true)]
    [InlineData("[\\-x]", "-", true)]
    [InlineData("[\\-x]", "a", false)]
    [InlineData("[]a]", "]", false)]
    [InlineData("[-]", "-", false)]
    [InlineData("[x-]", "x", false)]
    [InlineData("[x-]", "-", false)]
    [InlineData("[-x]", "x", false)]
    [InlineData("\\", "a", false)]
    [InlineData("[a-b-c]", "a", false)]
    [InlineData("[", "a", false)]
    [InlineData("[^", "a", false)]
    [InlineData("[^bc", "a", false)]
    [InlineData("a[", "a", false)]
    [InlineData("a[", "ab", false)]
    [InlineData("*x", "xxx", true)]
    [InlineData("[[]bracket].txt", "[bracket].txt", true)]
    [InlineData("[[]bracket].txt", "k.txt", false)]
    [InlineData("star[*].txt", "star-decoy.txt", false)]
    public void Matches_as_Go_filepath_Match(string pattern, string name, bool expected) => Assert.Equal(expected, PathPattern.Match(pattern, name));

    [Theory]
    [InlineData("*.log", ".imagedsl.log")]
    [InlineData("**/*.tmp", ".imagedsl.tmp")]
    [InlineData(".imagedsl*", ".imagedsl.imagedsl")]
    [InlineData("build?", "buildx")]
    [InlineData("[Dd]ockerfile*", "Dockerfile.imagedsl")]
    [InlineData("secret/", null)]
    [InlineData("a/b", null)]
    [InlineData("[^a]x", null)]
    public void Dockerfile_is_named_after_a_root_level_pattern_when_one_matches(string pattern, string? expected) =>
        Assert.Equal(expected, DockerfilePlacement.NameMatching(pattern));

    [Theory]
    [InlineData(".", "")]
    [InlineData("/", "")]
    [InlineData("./a/../b/", "b")]
    [InlineData("/x//y/.", "x/y")]
    [InlineData("../../etc", "etc")]
    public void Context_paths_resolve_like_the_builders(string path, string expected) => Assert.Equal(expected, ContextReads.Clean(path));

    [Fact]
    public void A_read_can_copy_a_root_level_name_when_it_is_the_root_that_name_or_a_pattern_matching_it()
    {
        static ContextPath Read(string text, bool pattern) => new(0, pattern, new[] { new PathPart(text, null, null) });
        var none = new Dictionary<string, string>();
        Assert.True(ContextReads.CanRead(new[] { Read(".", false) }, none, ".imagedsl.Dockerfile"));
        Assert.True(ContextReads.CanRead(new[] { Read("*", true) }, none, ".imagedsl.Dockerfile"));
        Assert.True(ContextReads.CanRead(new[] { Read(".imagedsl*/x", true) }, none, ".imagedsl.Dockerfile"));
        Assert.False(ContextReads.CanRead(new[] { Read("a.txt", false), Read("*.cs", true), Read("src", false) }, none, ".imagedsl.Dockerfile"));
        var argument = new ContextPath(0, false, new[] { new PathPart(null, "DIR", PathPart.Literal("src")) });
        Assert.True(ContextReads.CanRead(new[] { argument }, new Dictionary<string, string> { ["DIR"] = "." }, ".imagedsl.Dockerfile"));
        Assert.False(ContextReads.CanRead(new[] { argument }, none, ".imagedsl.Dockerfile"));
    }
}
