extern alias generator;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using TrackingNames = generator::ImageDsl.Generator.ImageGenerator.TrackingNames;

namespace ImageDsl.Tests.Generator;

public class IncrementalTests
{
    private const string Definition = """
        using ImageDsl;
        namespace App;
        [Image("app")]
        public static partial class AppImage
        {
            static Dockerfile Define() => Dockerfile.From("busybox").Env("MODE", "one").Cmd("true");
        }
        """;

    private const string Unrelated = """
        namespace App;
        public static class Helper { public static int Value => 1; }
        """;

    [Fact]
    public void Same_compilation_twice_is_all_cached()
    {
        var compilation = GeneratorHarness.Compile(Definition, Unrelated);
        var first = GeneratorHarness.Run(compilation);
        var second = GeneratorHarness.Run(compilation, first.Driver);

        // The driver adds the post-initialization sources (the attribute declarations) to each run's compilation, so
        // the compilation the transform sees is a new object: the spec may be recomputed (Unchanged), never Modified.
        var reasons = Reasons(second, TrackingNames.ImageSpecs);
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }

    [Fact]
    public void Unrelated_edit_produces_no_new_output()
    {
        var compilation = GeneratorHarness.Compile(Definition, Unrelated);
        var first = GeneratorHarness.Run(compilation);
        var edited = Replace(compilation, 1, Unrelated.Replace("=> 1", "=> 2"));
        var second = GeneratorHarness.Run(edited, first.Driver);

        Assert.All(Reasons(second, TrackingNames.ImageSpecs), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(second, TrackingNames.ImageNames), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(second.Run.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void Real_edit_of_the_definition_is_modified_and_regenerates()
    {
        var compilation = GeneratorHarness.Compile(Definition, Unrelated);
        var first = GeneratorHarness.Run(compilation);
        var edited = Replace(compilation, 0, Definition.Replace("\"one\"", "\"two\""));
        var second = GeneratorHarness.Run(edited, first.Driver);

        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.ImageSpecs));
        Assert.Contains("ENV MODE=two", second.GeneratedSource("App.AppImage.ImageDsl.g.cs"));
        // The name did not change, so the duplicate-name check stays cached.
        Assert.All(Reasons(second, TrackingNames.ImageNames), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorHarness.Result result, string step) =>
        result.Run.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static Compilation Replace(Compilation compilation, int index, string source)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: old.FilePath));
    }
}
