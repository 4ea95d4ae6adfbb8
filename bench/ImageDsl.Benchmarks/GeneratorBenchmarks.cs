extern alias generator;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ImageGenerator = generator::ImageDsl.Generator.ImageGenerator;

namespace ImageDsl.Benchmarks;

/// <summary>
/// The generator's cost for 200 definitions, against the compiler's own binding of the same code (the baseline:
/// what `dotnet build` spends on these files anyway), and the cost of an unrelated edit once the driver is warm,
/// against a run where nothing changed at all. Per-definition cost = Generate_200 mean / 200.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int Definitions = 200;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All
            .Append(MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Enumerable.Range(0, Definitions).Select(i => CSharpSyntaxTree.ParseText(Definition(i), parse, path: $"Image{i}.cs")).ToList();
        trees.Add(CSharpSyntaxTree.ParseText("namespace App; public static class Unrelated { public static int Value => 1; }", parse, path: "Unrelated.cs"));
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var unrelated = trees[^1];
        _edited = _compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText("namespace App; public static class Unrelated { public static int Value => 2; }", parse, path: "Unrelated.cs"));
        _warm = NewDriver().RunGenerators(_compilation);
    }

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create(new[] { new ImageGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

    [Benchmark(Baseline = true, Description = "Compiler binding of the 200 definitions (baseline)")]
    public int Bind_200() => _compilation.Clone().GetDiagnostics().Length;

    [Benchmark(Description = "Generator, 200 definitions, cold driver")]
    public int Generate_200() => NewDriver().RunGenerators(_compilation.Clone()).GetRunResult().GeneratedTrees.Length;

    [Benchmark(Description = "Warm driver, nothing changed")]
    public int Warm_unchanged() => _warm.RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;

    [Benchmark(Description = "Warm driver, unrelated edit")]
    public int Warm_unrelated_edit() => _warm.RunGenerators(_edited).GetRunResult().GeneratedTrees.Length;

    internal static string Definition(int i) => $$"""
        using ImageDsl;
        namespace App;
        [Image("bench/image-{{i}}")]
        public static partial class Image{{i}}
        {
            static readonly BuildArg Version = new("VERSION", "1.{{i}}");
            static Dockerfile Define()
            {
                var build = Dockerfile.From("busybox:1.36").As("build")
                    .Workdir("/src")
                    .Copy("app-{{i}}.tar", "/src/")
                    .Run("tar -xf app-{{i}}.tar && make", mounts: [Mount.Cache("/root/.cache")]);
                return Dockerfile.From("busybox:1.36")
                    .Arg(Version)
                    .Env("APP_VERSION", Version)
                    .Label("org.example.index", "{{i}}")
                    .Copy("/src/out", "/app", from: build)
                    .Expose(8000 + {{i % 100}})
                    .User(Owner.Id(1000, 1000))
                    .Cmd("/app/run", "--port", "{{8000 + i % 100}}");
            }
        }
        """;
}
