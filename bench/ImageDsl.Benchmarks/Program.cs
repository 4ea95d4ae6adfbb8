using BenchmarkDotNet.Running;

namespace ImageDsl.Benchmarks;

public static class Program
{
    // `dotnet run -c Release -- generator|analyzer|analyzer-app|analyzer-time|build|noop|memory|context|app` (see docs/performance.md).
    public static int Main(string[] args)
    {
        var which = args.FirstOrDefault() ?? "generator";
        switch (which)
        {
            case "generator":
                BenchmarkRunner.Run<GeneratorBenchmarks>(null, args.Skip(1).ToArray());
                return 0;
            case "analyzer":
                BenchmarkRunner.Run<AnalyzerBenchmarks>(null, args.Skip(1).ToArray());
                return 0;
            case "analyzer-app":
                BenchmarkRunner.Run<AppAnalyzerBenchmarks>(null, args.Skip(1).ToArray());
                return 0;
            case "analyzer-time":
                var runs = int.Parse(args.ElementAtOrDefault(1) ?? "30");
                Console.WriteLine($"practice analyzer, own execution time: {AnalyzerBenchmarks.OwnMillisecondsPerDefinition(runs):F3} ms per definition (median of {runs} runs over 200 definitions)");
                return 0;
            case "build":
                BenchmarkRunner.Run<ImageBuildBenchmarks>(null, args.Skip(1).ToArray());
                return 0;
            case "noop":
                BenchmarkRunner.Run<NoOpBuildBenchmarks>(null, args.Skip(1).ToArray());
                return 0;
            case "generator-loop":
                // For profilers (dotnet-trace): the cold-driver benchmark body in a plain loop.
                var benchmark = new GeneratorBenchmarks();
                benchmark.Setup();
                for (var i = 0; i < int.Parse(args.ElementAtOrDefault(1) ?? "50"); i++) benchmark.Generate_200();
                return 0;
            case "memory":
                return ContextMemoryMeasurement.Run(args.Skip(1).ToArray()).GetAwaiter().GetResult();
            case "context":
                return ContextTransferMeasurement.Run().GetAwaiter().GetResult();
            case "app":
                return AppImageMeasurement.Run(args.ElementAtOrDefault(1));
            default:
                Console.Error.WriteLine("usage: generator | analyzer | analyzer-app | analyzer-time | build | noop | memory | context | app");
                return 2;
        }
    }
}
