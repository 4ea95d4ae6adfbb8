using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ImageDsl.Tests.Generator;

/// <summary>Half-typed definitions, as an editor sees them mid-keystroke, must give diagnostics, never a generator failure.</summary>
public class RobustnessTests
{
    private static readonly string Source = File.ReadAllText(Path.Combine(AllDefinitions.RepositoryRoot, "tests", "Definitions", "KitchenSink.cs"));

    [Fact]
    public void Every_prefix_of_a_definition_runs_without_a_generator_exception()
    {
        var tokens = CSharpSyntaxTree.ParseText(Source).GetRoot().DescendantTokens().ToList();
        for (var i = 0; i < tokens.Count; i += 3)
        {
            AssertNoGeneratorFailure(Source.Substring(0, tokens[i].Span.End));
        }
    }

    [Fact]
    public void Removing_any_single_token_runs_without_a_generator_exception()
    {
        var tokens = CSharpSyntaxTree.ParseText(Source).GetRoot().DescendantTokens().ToList();
        for (var i = 0; i < tokens.Count; i += 2)
        {
            AssertNoGeneratorFailure(Source.Remove(tokens[i].SpanStart, tokens[i].Span.Length));
        }
    }

    private static void AssertNoGeneratorFailure(string source)
    {
        var result = GeneratorHarness.Run(source);
        var run = result.Run.Results.Single();
        Assert.Null(run.Exception);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "CS8784");
        // Code with compiler errors gets the compiler's errors and nothing from ImageDsl but its own findings.
        Assert.All(result.GeneratorDiagnostics, d => Assert.StartsWith("IDSL", d.Id));
    }
}
