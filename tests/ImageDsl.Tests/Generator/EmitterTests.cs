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

    [Fact]
    public void Output_is_deterministic()
    {
        var source = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "tests", "Definitions", "KitchenSink.cs"));
        var first = GeneratorHarness.Run(source).Run.Results.Single().GeneratedSources.Select(s => s.HintName + s.SourceText);
        var second = GeneratorHarness.Run(source).Run.Results.Single().GeneratedSources.Select(s => s.HintName + s.SourceText);

        Assert.Equal(first, second);
        Assert.Equal(3, first.Count());
    }
}
