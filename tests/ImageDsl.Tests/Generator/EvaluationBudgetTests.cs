using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace ImageDsl.Tests.Generator;

/// <summary>
/// The generator runs inside the compiler: a definition that would take minutes or overflow the compiler's stack
/// ends in IDSL0024 instead, and long-but-sane definitions still evaluate to exactly their run-time text. The limits
/// are counted (steps, depth, text length), so these tests assert outcomes, never times.
/// </summary>
public class EvaluationBudgetTests
{
    [Fact]
    public void Fields_that_grow_fourfold_at_every_level_end_in_a_budget_diagnostic()
    {
        var source = new StringBuilder("using ImageDsl;\n[Image(\"app\")]\npublic static partial class App\n{\n    static readonly string F0 = \"abcdefgh\";\n");
        for (var i = 1; i <= 14; i++) source.Append($"    static readonly string F{i} = F{i - 1} + F{i - 1} + F{i - 1} + F{i - 1};\n");
        source.Append("    static Dockerfile Define() => Dockerfile.From(\"busybox\").Env(\"A\", F14);\n}\n");

        var diagnostic = Assert.Single(GeneratorHarness.Run(source.ToString()).GeneratorDiagnostics);

        Assert.Equal(DiagnosticIds.EvaluationBudgetExceeded, diagnostic.Id);
        Assert.Contains("1,000,000 characters", diagnostic.GetMessage());
    }

    [Fact]
    public void A_chain_of_ten_thousand_fields_ends_in_a_budget_diagnostic_not_a_stack_overflow()
    {
        var source = new StringBuilder("using ImageDsl;\n[Image(\"app\")]\npublic static partial class App\n{\n    static readonly string F0 = \"a\";\n");
        for (var i = 1; i < 10_000; i++) source.Append($"    static readonly string F{i} = F{i - 1} + \"a\";\n");
        source.Append("    static Dockerfile Define() => Dockerfile.From(\"busybox\").Env(\"A\", F9999);\n}\n");

        var result = GeneratorHarness.Run(source.ToString());

        Assert.Null(result.Run.Results.Single().Exception);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(DiagnosticIds.EvaluationBudgetExceeded, diagnostic.Id);
        Assert.Contains("levels deep", diagnostic.GetMessage());
    }

    [Fact]
    public void Deeply_nested_calls_end_in_a_budget_diagnostic()
    {
        var nested = new StringBuilder("\"a\"");
        for (var i = 0; i < 1_000; i++) nested.Insert(0, "Value.Concat(").Append(')');
        var result = GeneratorHarness.Run($$"""
            using ImageDsl;
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox").Env("A", {{nested}}); }
            """);

        Assert.Equal(DiagnosticIds.EvaluationBudgetExceeded, Assert.Single(result.GeneratorDiagnostics).Id);
    }

    [Fact]
    public void A_thirty_thousand_term_string_chain_evaluates_to_the_run_time_text()
    {
        var terms = string.Join(" + ", Enumerable.Range(0, 30_000).Select(i => i % 2 == 0 ? "Part" : $"\"{i % 10}\""));
        var result = GeneratorHarness.Run($$"""
            using ImageDsl;
            [Image("app")]
            public static partial class App
            {
                static readonly string Part = "p";
                static Dockerfile Define() => Dockerfile.From("busybox").Env("A", {{terms}});
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        AssertConstantIsRunTimeText(result.Output);
    }

    [Fact]
    public void A_definition_with_a_thousand_instructions_in_one_chain_evaluates_to_the_run_time_text()
    {
        var runs = string.Concat(Enumerable.Range(0, 1_000).Select(i => $".Run(\"step {i}\")"));
        var result = GeneratorHarness.Run($$"""
            using ImageDsl;
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox"){{runs}}; }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("RUN step 999", AssertConstantIsRunTimeText(result.Output));
    }

    private static string AssertConstantIsRunTimeText(Compilation output)
    {
        var image = Assert.Single(CompiledImages.Run(output)!);
        Assert.Null(image.Failure);
        Assert.Equal(image.RunTime, image.Constant);
        return image.Constant;
    }
}
