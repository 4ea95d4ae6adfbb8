using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace ImageDsl.Tests.Generator;

public class EmitterTests
{
    [Fact]
    public void HelloWorld_sample_generates_the_approved_source()
    {
        var source = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "samples", "HelloWorld", "HelloWorld.cs"));
        var result = GeneratorHarness.Run(source);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilerDiagnostics);
        Approvals.Verify(result.GeneratedSource("Samples.HelloWorld.ImageDsl.g.cs"));
    }

    [Fact]
    public void Nested_class_in_global_namespace_gets_partial_containers()
    {
        var result = GeneratorHarness.Run("""
            using ImageDsl;
            public static partial class Outer
            {
                [Image("nested")]
                public static partial class Inner
                {
                    static Dockerfile Define() => Dockerfile.From("busybox").Cmd("true");
                }
            }
            public static class Use { public const string Text = Outer.Inner.DockerfileText; }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilerDiagnostics);
        Assert.Contains("partial class Outer", result.GeneratedSource("Outer.Inner.ImageDsl.g.cs"));
    }

    [Theory]
    [InlineData("/repo/app/Images/Api.cs", "/repo/app", "Images/Api.cs")]
    [InlineData("/repo/app/Api.cs", "/repo/app/", "Api.cs")]
    [InlineData("/repo/shared/Base.cs", "/repo/app", "../shared/Base.cs")]
    [InlineData("/repo/app/Api.cs", null, "/repo/app/Api.cs")]
    public void Step_locations_are_recorded_relative_to_the_project_so_the_assembly_does_not_depend_on_the_clone(string path, string? directory, string expected)
    {
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("""
            using ImageDsl;
            [Image("relative")]
            public static partial class Relative { static Dockerfile Define() => Dockerfile.From("busybox").Cmd("true"); }
            """, GeneratorHarness.ParseOptions, path: path);
        var compilation = GeneratorHarness.Compile().AddSyntaxTrees(tree);
        var options = directory is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["build_property.MSBuildProjectDirectory"] = directory };

        var result = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver(options));

        var escaped = expected.Replace("\\", "\\\\");
        Assert.Contains($$"""{\"stage\":0,\"kind\":\"from\",\"file\":\"{{escaped}}\",\"line\":3,""", result.GeneratedSource("Relative.ImageDsl.g.cs"));
    }

    [Fact]
    public void Each_instruction_records_the_line_of_the_call_that_wrote_it()
    {
        var result = GeneratorHarness.Run("""
            using ImageDsl;
            [Image("steps")]
            public static partial class Steps
            {
                static Dockerfile Define()
                {
                    var build = Dockerfile.From("sdk").As("build")
                        .Run("make");
                    return Dockerfile.From("busybox")
                        .Comment("c")
                        .Copy("/out", "/app", from: build)
                        .Cmd("true");
                }
            }
            """);

        var generated = result.GeneratedSource("Steps.ImageDsl.g.cs");
        Assert.Contains("""{\"stage\":0,\"kind\":\"from\",\"file\":\"Source0.cs\",\"line\":7,\"column\":32}""", generated);
        Assert.Contains("""{\"stage\":0,\"kind\":\"run\",\"file\":\"Source0.cs\",\"line\":8,\"column\":14}""", generated);
        Assert.Contains("""{\"stage\":1,\"kind\":\"from\",\"file\":\"Source0.cs\",\"line\":9,\"column\":27}""", generated);
        Assert.Contains("""{\"stage\":1,\"kind\":\"comment\",\"file\":\"Source0.cs\",\"line\":10,\"column\":14}""", generated);
        Assert.Contains("""{\"stage\":1,\"kind\":\"copy\",\"file\":\"Source0.cs\",\"line\":11,\"column\":14}""", generated);
    }

    /// <summary>
    /// The stage DotNet.InImagePublish writes records the project it publishes, for the build step (IMAGEDSL2033) — also
    /// when the definition goes on with that stage — and no other stage does (its inputs stage, the runtime stage).
    /// </summary>
    [Fact]
    public void The_in_image_publish_stage_records_its_project()
    {
        var result = GeneratorHarness.Run("""
            using ImageDsl;
            [Image("publishes")]
            public static partial class Publishes
            {
                static Dockerfile Define() => Dockerfile.From("busybox")
                    .Copy("/app/", "/app/", from: DotNet.InImagePublish("sdk", "src/Api/Api.csproj").Run("rm -f /app/x"));
            }
            """);

        // The manifest, as the compiled assembly carries it (GeneratedImageAttribute's last argument).
        var attribute = result.Output.Assembly.GetAttributes().Single(a => a.AttributeClass?.Name == "GeneratedImageAttribute");
        using var manifest = System.Text.Json.JsonDocument.Parse((string)attribute.ConstructorArguments[^1].Value!);
        var stages = manifest.RootElement.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(new[] { "publish-inputs", "publish", null }, stages.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(new[] { null, "src/Api/Api.csproj", null }, stages.Select(s => s.TryGetProperty("publishes", out var p) ? p.GetString() : null));
    }

    [Fact]
    public void Output_is_deterministic()
    {
        var source = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "tests", "Definitions", "KitchenSink.cs"));
        var first = GeneratorHarness.Run(source).Run.Results.Single().GeneratedSources.Select(s => s.HintName + s.SourceText).ToList();
        var second = GeneratorHarness.Run(source).Run.Results.Single().GeneratedSources.Select(s => s.HintName + s.SourceText).ToList();

        Assert.Equal(first, second);
        Assert.Equal(3, first.Count(s => s.Contains(".ImageDsl.g.cs", System.StringComparison.Ordinal)));
    }
}
