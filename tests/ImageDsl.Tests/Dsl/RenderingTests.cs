using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace ImageDsl.Tests.Dsl;

public class RenderingTests
{
    public static TheoryDataOfNames Images => AllDefinitions.Names();

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_definition_matches_its_approved_dockerfile(string image)
    {
        var text = AllDefinitions.Define(AllDefinitions.ByName(image)).ToString();
        Approvals.Verify(text, parameters: image.Replace('/', '-'));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Generated_constant_equals_the_runtime_rendering(string image)
    {
        var type = AllDefinitions.ByName(image);
        Assert.Equal(AllDefinitions.Define(type).ToString(), AllDefinitions.GeneratedText(type));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Assembly_metadata_carries_the_image(string image)
    {
        var type = AllDefinitions.ByName(image);
        // The attribute is the generator's own, internal to the assembly: read as data, as the build step reads it.
        var data = type.Assembly.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "ImageDsl.Generated.GeneratedImageAttribute")
            .Single(a => (string)a.ConstructorArguments[0].Value! == image);
        Assert.Same(type.Assembly, data.AttributeType.Assembly); // nothing of ImageDsl.dll is needed to read it
        var attribute = data.ConstructorArguments.Select(c => c.Value).ToArray();
        var declared = type.GetCustomAttribute<ImageAttribute>()!;
        Assert.Equal(AllDefinitions.GeneratedText(type), attribute[1]);
        Assert.Equal(declared.Context, attribute[2]);
        Assert.Equal(string.Join(";", declared.Tags), attribute[3]);
        Assert.Equal(declared.ExpectOutput, attribute[4]);
        Assert.Equal(declared.ExpectExitCode, attribute[5]);
        Assert.Equal(declared.SmokeRun, attribute[6]);
    }

    [Fact]
    public void Stages_are_emitted_once_and_before_the_stages_that_use_them()
    {
        var tools = Dockerfile.From("busybox").As("tools").Run("make");
        var assets = Dockerfile.From(tools).As("assets").Run("pack");
        var final = Dockerfile.From("busybox").Copy("/a", "/a", from: tools).Copy("/b", "/b", from: assets).Copy("/c", "/c", from: tools);

        var lines = final.ToString().Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(new[] { "FROM busybox AS tools", "FROM tools AS assets", "FROM busybox" }, lines);
    }

    [Fact]
    public void Build_argument_used_in_FROM_is_declared_globally_and_redeclared_in_the_stage_without_default()
    {
        var version = new BuildArg("VERSION", "1.0");
        var text = Dockerfile.From("busybox:" + version).Arg(version).Env("V", version).ToString();

        Assert.Equal("ARG VERSION=1.0\n\nFROM busybox:${VERSION}\nARG VERSION\nENV V=${VERSION}\n", text);
    }

    [Fact]
    public void Literal_dollar_is_escaped_but_build_argument_is_expanded()
    {
        var name = new BuildArg("NAME");
        var text = Dockerfile.From("busybox").Arg(name).Env("GREETING", "$USER says hi to " + name).ToString();

        Assert.Contains("ENV GREETING=\"\\$USER says hi to ${NAME}\"", text);
    }

    [Fact]
    public void Run_heredoc_picks_a_delimiter_that_no_line_equals()
    {
        var text = Dockerfile.From("busybox").RunHeredoc("echo start\nEOF\nEOF1\necho end\n").ToString();

        Assert.Contains("RUN <<\"EOF2\"\necho start\nEOF\nEOF1\necho end\nEOF2\n", text);
    }

    [Fact]
    public void Comment_spanning_lines_becomes_one_comment_line_each()
    {
        var text = Dockerfile.From("busybox").Comment("first\n\nthird").ToString();

        Assert.Contains("# first\n#\n# third\n", text);
    }
}
