extern alias tool;
using System.Collections.Generic;
using System.Linq;
using tool::ImageDsl.Build.Parsing;
using tool::ImageDsl.Tool.Import;
using Xunit;

namespace ImageDsl.Tests.Import;

/// <summary>The reader's heredocs, comments and directives; the comparison's sense; and what import writes and reports.</summary>
public class ImportTests
{
    [Fact]
    public void Heredocs_are_read_as_BuildKit_reads_them()
    {
        var document = DockerfileReader.Parse("FROM a\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<'ONE' <<-TWO /dest/\none\nONE\n\t\ttwo\n\tTWO\nRUN echo after\n");

        Assert.Equal(new[] { "from", "run", "copy", "run" }, document.Instructions.Select(i => i.Keyword));
        var run = document.Instructions[1].Heredocs.Single();
        Assert.Equal(("EOF", "echo $HOME\n", true, false), (run.Name, run.Content, run.Expand, run.Chomp));
        var copy = document.Instructions[2].Heredocs;
        Assert.Equal(("ONE", "one\n", false), (copy[0].Name, copy[0].Content, copy[0].Expand));
        Assert.Equal(("TWO", "two\n", true), (copy[1].Name, copy[1].Content, copy[1].Chomp));
        Assert.Equal(10, document.Instructions[3].Line);
    }

    [Fact]
    public void An_unclosed_heredoc_is_a_format_error() =>
        Assert.Throws<System.FormatException>(() => DockerfileReader.Parse("FROM a\nRUN <<EOF\necho\n"));

    [Fact]
    public void Comments_directives_and_line_breaks_are_kept()
    {
        var document = DockerfileReader.Parse("# syntax=docker/dockerfile:1\n# check=error=true\n\n# about a\nFROM a\nRUN one \\\n  # inside\n  two\n# at the end\n");

        Assert.Equal(("docker/dockerfile:1", "error=true"), (document.Syntax, document.Check));
        Assert.Equal(new[] { "about a" }, document.Instructions[0].Comments);
        Assert.Equal(new[] { "inside" }, document.Instructions[1].Comments);
        Assert.Equal("one   two", document.Instructions[1].Rest);
        Assert.Equal(new[] { 4 }, document.Instructions[1].RestBreaks);
        Assert.Equal(new[] { "at the end" }, document.TrailingComments);
    }

    [Theory]
    [InlineData("FROM a\nCOPY x /y\n", "FROM a\ncopy  x   /y\n", true)]
    [InlineData("FROM a\nENV A=1 B=2\n", "FROM a\nENV A=1   B=\"2\"\n", true)]
    [InlineData("FROM a\nENV A=1 B=2\n", "FROM a\nENV A=1\nENV B=2\n", false)]
    [InlineData("FROM a\nENV A 1 2\n", "FROM a\nENV A=\"1 2\"\n", true)]
    [InlineData("FROM a\nCOPY --chmod=644 --chown=1:2 x /y\n", "FROM a\nCOPY --chown=1:2 --chmod=0644 x /y\n", true)]
    [InlineData("FROM a AS b\nRUN x\nFROM c\nCOPY --from=0 /x /x\n", "FROM a AS b\nRUN x\nFROM c\nCOPY --from=b /x /x\n", true)]
    [InlineData("FROM a\n# comment\nRUN x\n", "FROM a\nRUN x\n", true)]
    [InlineData("FROM a\nCOPY x /y\n", "FROM a\nCOPY x /z\n", false)]
    [InlineData("FROM a\nCOPY x /y\n", "FROM a\nCOPY --chown=1 x /y\n", false)]
    [InlineData("FROM a\nCMD [\"a\"]\n", "FROM a\nCMD a\n", false)]
    [InlineData("FROM a\nRUN <<EOF\nx\nEOF\n", "FROM a\nRUN <<EOF\ny\nEOF\n", false)]
    [InlineData("FROM a\nENV A=$B\n", "FROM a\nENV A=\\$B\n", false)]
    [InlineData("ARG V=1\nFROM a:$V\n", "ARG V=2\nFROM a:$V\n", false)]
    [InlineData("FROM a\nEXPOSE 80\n", "FROM a\nEXPOSE 80/udp\n", false)]
    public void The_stream_compares_what_BuildKit_builds(string left, string right, bool equal)
    {
        if (equal) Assert.Equal(InstructionStream.Of(left), InstructionStream.Of(right));
        else Assert.NotEqual(InstructionStream.Of(left), InstructionStream.Of(right));
    }

    [Fact]
    public void Import_writes_typed_values_and_keeps_comments()
    {
        var result = DockerfileImporter.Import("""
            ARG BASE=busybox:1.36
            # the build stage
            FROM ${BASE} AS build-env
            RUN --mount=type=cache,target=/cache make
            FROM busybox:1.36
            COPY --from=build-env --chown=1000:1000 --chmod=640 /out /app
            EXPOSE 53/udp
            STOPSIGNAL SIGINT
            HEALTHCHECK --interval=1m30s CMD ["true"]
            """, "AppImage", "app", "Team.Images");

        Assert.Empty(result.Problems);
        Assert.Contains("namespace Team.Images;", result.Source);
        Assert.Contains("[Image(\"app\")]", result.Source);
        Assert.Contains("static readonly BuildArg Base = new(\"BASE\", \"busybox:1.36\");", result.Source);
        Assert.Contains("// the build stage", result.Source);
        Assert.Contains("var buildEnv = Dockerfile.From(Base).As(\"build-env\")", result.Source);
        Assert.Contains("mounts: [Mount.Cache(\"/cache\")]", result.Source);
        Assert.Contains(".Copy(\"/out\", \"/app\", from: buildEnv, chown: Owner.Id(1000, 1000), chmod: FileMode.Octal(\"640\"))", result.Source);
        Assert.Contains(".Expose(Port.Udp(53))", result.Source);
        Assert.Contains(".StopSignal(Signal.SIGINT)", result.Source);
        Assert.Contains("interval: TimeSpan.FromSeconds(90)", result.Source);
    }

    [Fact]
    public void What_the_DSL_cannot_say_is_reported_with_its_line_and_kept_as_a_comment()
    {
        var result = DockerfileImporter.Import("FROM debian:12\nENV P=/x\nCOPY $P/app.jar /app.jar\nMAINTAINER me\nCMD [\"sh\"]\n", "AppImage", "app");

        Assert.Equal(new[] { 3, 4 }, result.Problems.Select(p => p.Line));
        Assert.All(result.Problems, p => Assert.True(p.Omitted));
        Assert.Contains("$P", result.Problems[0].Reason);
        Assert.Contains("// not imported (line 3): COPY $P/app.jar /app.jar", result.Source);
        Assert.Contains("Label(\"org.opencontainers.image.authors\"", result.Problems[1].Reason);
    }

    [Fact]
    public void A_reference_to_the_environment_imports_as_Value_Env_where_docker_expands_it()
    {
        var result = DockerfileImporter.Import("FROM debian:12\nARG V=1\nENV P=/x\nENV PATH=$P/bin:$PATH W=${V}\nWORKDIR $HOME/app\nCOPY a.txt $P/\n", "AppImage", "app");

        Assert.Empty(result.Problems);
        // A name the stage declares as a build argument stays that BuildArg; any other is the environment's.
        Assert.Contains(".Env((\"PATH\", Value.Env(\"P\") + \"/bin:\" + Value.Env(\"PATH\")), (\"W\", V))", result.Source);
        Assert.Contains(".Workdir(Value.Env(\"HOME\") + \"/app\")", result.Source);
        Assert.Contains(".Copy(\"a.txt\", Value.Env(\"P\") + \"/\")", result.Source);
    }

    [Fact]
    public void A_use_of_a_build_argument_whose_ARG_is_not_imported_is_not_imported_either()
    {
        // IMAGE's default uses a modifier (no DSL form), LABELV's refers to IMAGE: neither imports. Their uses must not
        // turn into Value.Env (the environment's variable, empty here: another image), and are reported instead.
        var result = DockerfileImporter.Import(
            "ARG VERSION=8.0\nARG IMAGE=mcr.microsoft.com/dotnet/aspnet:${VERSION:-8.0}\nFROM ${IMAGE}\nARG IMAGE\nARG VERSION\nARG LABELV=v${IMAGE}\nLABEL v=${LABELV}\nENV I=$IMAGE\nLABEL version=$VERSION\n",
            "AppImage", "app");

        Assert.Equal(new[] { 2, 3, 4, 6, 7, 8 }, result.Problems.Select(p => p.Line));
        Assert.Contains("$IMAGE, a build argument whose ARG could not be imported", result.Problems[1].Reason);
        Assert.Contains("takes its default from the global ARG IMAGE", result.Problems[2].Reason);
        Assert.Contains("$LABELV, a build argument whose ARG could not be imported", result.Problems[4].Reason);
        Assert.DoesNotContain("Value.Env", result.Source);
        // The argument that did import is used as itself.
        Assert.Contains(".Label(\"version\", Version)", result.Source);
    }

    [Fact]
    public void A_default_built_from_other_arguments_imports_as_a_value_of_them()
    {
        var result = DockerfileImporter.Import(
            "ARG VERSION=8.0\nARG IMAGE=mcr.microsoft.com/dotnet/aspnet:${VERSION}\nFROM ${IMAGE}\nARG VERSION\nARG LABELV=\"v$VERSION \\$x\"\nLABEL v=${LABELV}\n",
            "AppImage", "app");

        Assert.Empty(result.Problems);
        Assert.Contains("static readonly BuildArg Version = new(\"VERSION\", \"8.0\");\n    static readonly BuildArg Image = new(\"IMAGE\", \"mcr.microsoft.com/dotnet/aspnet:\" + Version);", result.Source);
        Assert.Contains("static readonly BuildArg Labelv = new(\"LABELV\", \"v\" + Version + \" $x\");", result.Source);
        Assert.Contains(".Arg(Version)\n            .Arg(Labelv)", result.Source);
    }

    [Theory]
    // Docker expands a stage's ARG line before it declares any of its arguments: B's ${A} is not this A.
    [InlineData("FROM a\nARG A=1 B=x${A}\n", "declared on the same ARG line")]
    [InlineData("FROM a\nARG A=x${A}\n", "refers to $A itself")]
    [InlineData("FROM a\nENV E=1\nARG A=x${E}\n", "$E, which is not a build argument declared in this stage")]
    // A global default that the definition would expand in the stage, where N is not declared.
    [InlineData("ARG N=1\nARG G=v${N}\nFROM a\nARG G\n", "this stage has not declared N above it")]
    // BuildKit's --chmod applies only the permission bits: this file would be 0755, not setuid.
    [InlineData("FROM a\nRUN --mount=type=cache,target=/c,mode=0777 make\n", "a cache mount's mode=0777 would be 0755")]
    [InlineData("FROM a\nRUN --mount=type=secret,id=t,mode=4400 make\n", "a secret mount's mode=4400 would be 0400")]
    [InlineData("FROM a AS s\nFROM a\nRUN --mount=type=cache,target=/c,from=s,uid=1000 make\n", "a cache mount seeded from 's' keeps that directory's own owner and mode (BuildKit ignores uid there)")]
    [InlineData("FROM a\nCOPY --chmod=4755 x /y\n", "COPY --chmod=4755 sets a setuid, setgid or sticky bit, which BuildKit's --chmod does not apply (the image gets 0755)")]
    public void A_default_docker_would_expand_to_another_value_is_reported(string dockerfile, string reason)
    {
        var problem = Assert.Single(DockerfileImporter.Import(dockerfile, "AppImage", "app").Problems);
        Assert.Contains(reason, problem.Reason);
    }

    [Theory]
    [InlineData("COPY [\"$SRC\", \"/x\"]")]
    [InlineData("ADD [\"a\", \"${DEST}\"]")]
    [InlineData("VOLUME [\"$DATA\"]")]
    public void A_variable_in_an_expanding_JSON_form_is_reported(string instruction)
    {
        var result = DockerfileImporter.Import("FROM busybox:1.36\nARG SRC\nARG DEST\nARG DATA\n" + instruction + "\n", "AppImage", "app");

        var problem = Assert.Single(result.Problems);
        Assert.Equal(5, problem.Line);
        Assert.True(problem.Omitted);
        Assert.Contains("JSON form refers to a variable", problem.Reason);
    }

    [Fact]
    public void The_migration_guide_shows_what_import_writes()
    {
        var guide = System.IO.File.ReadAllText(System.IO.Path.Combine(AllDefinitions.RepositoryRoot, "docs", "migrating.md"));
        var dockerfile = System.Text.RegularExpressions.Regex.Match(guide, "```dockerfile\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        var csharp = System.Text.RegularExpressions.Regex.Match(guide, "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;

        var result = DockerfileImporter.Import(dockerfile, Names.ClassName("src/api/Dockerfile"), "api");

        Assert.Empty(result.Problems);
        Assert.Equal(csharp, result.Source);
    }

    [Theory]
    [InlineData("src/api/Dockerfile", "ApiImage", "api")]
    [InlineData("Dockerfile.order-service", "OrderServiceImage", "order-service")]
    [InlineData("web.Dockerfile", "WebImage", "web")]
    [InlineData("-", "ImportedImage", "imported")]
    public void Names_come_from_the_path(string path, string className, string imageName)
    {
        Assert.Equal(className, Names.ClassName(path));
        Assert.Equal(imageName, Names.ImageName(className));
    }
}
