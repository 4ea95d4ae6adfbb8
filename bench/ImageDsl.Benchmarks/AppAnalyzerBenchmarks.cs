extern alias generator;
using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PracticeAnalyzer = generator::ImageDsl.Generator.Analysis.PracticeAnalyzer;

namespace ImageDsl.Benchmarks;

/// <summary>
/// What the practice analyzer adds to an app's build: 200 ordinary classes (five methods each) and one image
/// definition, compiler diagnostics alone (baseline) against compiler diagnostics with the analyzer. The analyzer asks
/// for operation trees only in [Image] classes, so the app's other methods should cost it nothing.
/// </summary>
[MemoryDiagnoser]
public class AppAnalyzerBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;

    [GlobalSetup]
    public void Setup()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Enumerable.Range(0, 200).Select(i => CSharpSyntaxTree.ParseText(Ordinary(i), parse, path: $"Class{i}.cs")).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(GeneratorBenchmarks.Definition(0), parse, path: "Image0.cs"));
        _compilation = CSharpCompilation.Create("App", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new PracticeAnalyzer());
    }

    [Benchmark(Baseline = true, Description = "App: compiler diagnostics (baseline)")]
    public int Bind_app() => _compilation.Clone().GetDiagnostics().Length;

    [Benchmark(Description = "App: compiler diagnostics + practice analyzer")]
    public int Analyze_app() => _compilation.Clone().WithAnalyzers(_analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult().Length;

    private static string Ordinary(int i) => $$"""
        using System.Collections.Generic;
        using System.Linq;
        namespace App;
        public sealed class Service{{i}}
        {
            private readonly List<int> _values = new();
            public void Add(int value) { if (value > {{i}}) _values.Add(value); else _values.Add(-value); }
            public int Sum() => _values.Where(v => v % 2 == 0).Sum();
            public string Describe() => $"Service{{i}} has {_values.Count} values, sum {Sum()}";
            public IEnumerable<int> Top(int n) { foreach (var v in _values.OrderByDescending(x => x).Take(n)) yield return v; }
            public static int Compute(int a, int b) { var total = 0; for (var k = a; k < b; k++) total += k * {{i}}; return total; }
        }
        """;
}
