using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// Nothing ImageDsl writes is ever read as context, and a project without .dockerignore builds correctly every time
/// (issue: ImageDsl's own files in the context); a literal source missing from the context is one coded error before
/// anything is sent.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class ContextFilesTests
{
    private const string CopyAll = """
        [Image("tests/whole-project", ExpectOutput = "listed")]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy(".", "/ctx/")
                .Cmd("sh", "-c", "find /ctx | sort; echo listed");
        }
        """;

    private static string BaseArgs => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}";

    [Fact]
    public void Project_without_dockerignore_builds_every_time_and_sends_neither_bin_obj_nor_ImageDsl_files()
    {
        using var project = new MSBuildProject(CopyAll, new Dictionary<string, string> { ["data/app.txt"] = "one\n" }, dockerignore: null);

        // The second build changes nothing (no-op); the third follows a change, when the stamp under obj/ exists and a
        // context that held obj/ would have listed it and then found it replaced.
        foreach (var round in new[] { "first", "unchanged", "after a change" })
        {
            if (round == "after a change") project.Write("data/app.txt", "two\n");
            var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit");

            Assert.True(result.ExitCode == 0, round + ":\n" + result.Output);
            if (round == "unchanged") continue;
            var listed = Listed(result.Output);
            Assert.True(listed.Contains("/ctx/data/app.txt"), round + ":\n" + result.Output);
            Assert.DoesNotContain(listed, l => l.StartsWith("/ctx/obj", StringComparison.Ordinal) || l.StartsWith("/ctx/bin", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void With_a_dockerignore_that_keeps_obj_ImageDsl_files_still_stay_out()
    {
        using var project = new MSBuildProject(CopyAll, new Dictionary<string, string> { ["data/app.txt"] = "one\n" }, dockerignore: "bin/\n*.cs\n");

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=classic");

        Assert.True(result.ExitCode == 0, result.Output);
        var listed = Listed(result.Output);
        Assert.True(listed.Contains("/ctx/obj/project.assets.json"), result.Output); // the user's .dockerignore decides about obj/
        Assert.DoesNotContain(listed, l => l.Contains("imagedsl", StringComparison.Ordinal));
        Assert.Contains("/ctx/.dockerignore", listed);
    }

    /// <summary>The paths the smoke run's <c>find /ctx</c> printed (lines "  [image] | /ctx/…").</summary>
    private static HashSet<string> Listed(string output) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains("] | /ctx", StringComparison.Ordinal))
            .Select(l => l.Substring(l.IndexOf("] | ", StringComparison.Ordinal) + 4)).ToHashSet(StringComparer.Ordinal);

    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    public void Missing_literal_source_is_a_coded_error_before_anything_is_sent(string builder)
    {
        const string definition = """
            [Image("tests/missing-source")]
            public static partial class App
            {
                static Dockerfile Define() => Dockerfile.From("busybox:1.36").Copy(Glob.Literal("notes [draft].txt"), "/notes/").Copy("present.txt", "/p/");
            }
            """;
        using var project = new MSBuildProject(definition, new Dictionary<string, string> { ["present.txt"] = "p", ["n.txt"] = "decoy" });

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder}");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains("IMAGEDSL2010", error);
        Assert.Contains("'notes [draft].txt'", error);
        Assert.Contains("no such file or directory", error);
        Assert.DoesNotContain("building tests/missing-source", result.Output);
    }
}
