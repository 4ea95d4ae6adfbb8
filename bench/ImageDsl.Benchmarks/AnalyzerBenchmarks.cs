extern alias generator;
using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using ImageDsl.Practices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PracticeAnalyzer = generator::ImageDsl.Generator.Analysis.PracticeAnalyzer;

namespace ImageDsl.Benchmarks;

/// <summary>
/// The best-practice analyzer over the generator benchmark's 200 definitions, against the compiler's own binding and
/// diagnostics of the same code (the baseline: what the IDE and `dotnet build` compute anyway). The analyzer's own cost
/// per definition = (Analyze_200 − Bind_200) / 200 (evaluating each Define() again, then the rules); Rules_200 is the rules
/// alone over the 200 evaluated models.
/// </summary>
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    private const int Definitions = 200;
    private CSharpCompilation _compilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private List<Dockerfile> _models = null!;
    private readonly ImmutableArray<DiagnosticAnalyzer> _noOp = ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpAnalyzer());

    [GlobalSetup]
    public void Setup()
    {
        var references = Basic.Reference.Assemblies.Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location));
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        // The generator benchmark's definitions, with the build stage's base unpinned: one IDSL1001 each, so the run
        // provably reaches every rule and report.
        var trees = Enumerable.Range(0, Definitions).Select(i => CSharpSyntaxTree.ParseText(
            GeneratorBenchmarks.Definition(i).Replace("From(\"busybox:1.36\").As(\"build\")", "From(\"busybox\").As(\"build\")"), parse, path: $"Image{i}.cs"));
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new PracticeAnalyzer());
        _models = Enumerable.Range(0, Definitions).Select(Model).ToList();
        var findings = _compilation.WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (findings.Length != Definitions || Rules_200() != Definitions) throw new InvalidOperationException($"Expected one IDSL1001 per definition, got {findings.Length} and {Rules_200()}.");
    }

    [Benchmark(Baseline = true, Description = "Compiler diagnostics of the 200 definitions (baseline)")]
    public int Bind_200() => _compilation.Clone().GetDiagnostics().Length;

    [Benchmark(Description = "Compiler diagnostics + practice analyzer, 200 definitions")]
    public int Analyze_200() => _compilation.Clone().WithAnalyzers(_analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult().Length;

    [Benchmark(Description = "Compiler diagnostics + a no-op analyzer on the same operation blocks (driver cost)")]
    public int Driver_200() => _compilation.Clone().WithAnalyzers(_noOp).GetAllDiagnosticsAsync().GetAwaiter().GetResult().Length;

    [Benchmark(Description = "Rules alone over 200 evaluated models")]
    public int Rules_200() => _models.Sum(m => BestPractices.Check(m).Count);

    /// <summary>
    /// What the analyzer costs per definition: the CPU time (every thread: its callbacks, the driver's handling of its
    /// reports, the garbage collection of what it allocates) and the bytes allocated by fresh compilations analyzed
    /// with it, minus the same for a no-op analyzer registered for the same operation blocks — medians of
    /// <paramref name="runs"/> runs each, alternating. CPU time, not elapsed time: on this 2-core VM the measuring
    /// thread is preempted at random by the compiler's own threads, which made elapsed-time figures swing by half.
    /// </summary>
    public static (double CpuMs, double BytesPerDefinition) OwnCost(int runs)
    {
        var benchmark = new AnalyzerBenchmarks();
        benchmark.Setup();
        var measured = new (ImmutableArray<DiagnosticAnalyzer> Analyzers, List<double> Cpu, List<double> Bytes)[]
        {
            (benchmark._analyzers, new List<double>(), new List<double>()),
            (benchmark._noOp, new List<double>(), new List<double>()),
        };
        for (var run = 0; run < runs; run++)
        {
            foreach (var (analyzers, cpu, bytes) in measured)
            {
                var cpuBefore = ProcessCpu.Milliseconds();
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var findings = benchmark._compilation.Clone().WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
                bytes.Add(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
                cpu.Add(ProcessCpu.Milliseconds() - cpuBefore);
                if (analyzers == benchmark._analyzers && findings.Length != Definitions) throw new InvalidOperationException($"{findings.Length} findings");
            }
        }

        return ((Median(measured[0].Cpu) - Median(measured[1].Cpu)) / Definitions, (Median(measured[0].Bytes) - Median(measured[1].Bytes)) / Definitions);
    }

    /// <summary>
    /// The analyzer's callbacks' time per definition (Roslyn's telemetry), median over the runs of
    /// <paramref name="runs"/> fresh compilations in which no collection happened, and how many those were. Run it in
    /// a process whose gen0 budget is large enough (DOTNET_GCgen0size) for most runs to need none.
    /// </summary>
    public static (double Ms, int GcFreeRuns) MeasureWork(int runs)
    {
        var benchmark = new AnalyzerBenchmarks();
        benchmark.Setup();
        var times = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false,
                logAnalyzerExecutionTime: true);
            var analyzed = benchmark._compilation.Clone().WithAnalyzers(benchmark._analyzers, options);
            var collections = GC.CollectionCount(0);
            var findings = analyzed.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            if (findings.Length != Definitions) throw new InvalidOperationException($"{findings.Length} findings");
            if (GC.CollectionCount(0) != collections) continue;
            var telemetry = analyzed.GetAnalyzerTelemetryInfoAsync(benchmark._analyzers[0], CancellationToken.None).GetAwaiter().GetResult();
            times.Add(telemetry.ExecutionTime.TotalMilliseconds / Definitions);
        }

        return times.Count == 0 ? throw new InvalidOperationException("Every run collected garbage: raise DOTNET_GCgen0size.") : (Median(times), times.Count);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>The model GeneratorBenchmarks.Definition(i) evaluates to, built directly.</summary>
    private static Dockerfile Model(int i)
    {
        var version = new BuildArg("VERSION", "1." + i);
        var build = Dockerfile.From("busybox").As("build").Workdir("/src").Copy($"app-{i}.tar", "/src/")
            .Run($"tar -xf app-{i}.tar && make", mounts: [Mount.Cache("/root/.cache")]);
        return Dockerfile.From("busybox:1.36").Arg(version).Env("APP_VERSION", version).Label("org.example.index", i.ToString())
            .Copy("/src/out", "/app", from: build).Expose(8000 + i % 100).User(Owner.Id(1000, 1000)).Cmd("/app/run", "--port", (8000 + i % 100).ToString());
    }

    /// <summary>Registers what the practice analyzer registers and does nothing: the analyzer driver's own cost.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NoOpAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new("BENCH0001", "never", "never", "bench", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start => start.RegisterOperationBlockAction(
                block => _ = block.OwningSymbol.ContainingType.GetAttributes().Length));
        }
    }
}
