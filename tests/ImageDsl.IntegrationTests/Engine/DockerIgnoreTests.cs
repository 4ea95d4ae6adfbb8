using ImageDsl.Build.Context;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

public class DockerIgnoreTests
{
    [Theory]
    [InlineData("bin/\nobj/", "bin/Debug/app.dll", true)]
    [InlineData("bin/\nobj/", "src/bin.txt", false)]
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/README.md", false)]
    [InlineData("**/*.md", "docs/deep/README.md", true)]
    [InlineData("**/*.md", "README.md", true)]
    [InlineData("docs/**", "docs/a/b.txt", true)]
    [InlineData("*.log\n!keep.log", "keep.log", false)]
    [InlineData("*.log\n!keep.log", "drop.log", true)]
    [InlineData("!keep.log\n*.log", "keep.log", true)]
    [InlineData("# a comment\n\n   \ntmp", "tmp/x", true)]
    [InlineData("/secrets", "secrets/key", true)]
    [InlineData("./secrets/../secrets", "secrets", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("[ab].txt", "a.txt", true)]
    [InlineData("[ab].txt", "c.txt", false)]
    [InlineData(@"\*.txt", "*.txt", true)]
    [InlineData(@"\*.txt", "a.txt", false)]
    [InlineData("node_modules\n!node_modules/keep", "node_modules/keep/x.js", false)]
    public void Follows_the_docker_cli_pattern_rules(string dockerignore, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(dockerignore).IsExcluded(path));
}
