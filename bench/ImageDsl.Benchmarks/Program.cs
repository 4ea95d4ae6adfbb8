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
                return AnalyzerTime(int.Parse(args.ElementAtOrDefault(1) ?? "100"));
            case "analyzer-work":
                // The child process of analyzer-time: prints "<ms per definition> <GC-free runs>".
                var (ms, gcFree) = AnalyzerBenchmarks.MeasureWork(int.Parse(args.ElementAtOrDefault(1) ?? "100"));
                Console.WriteLine(FormattableString.Invariant($"{ms} {gcFree}"));
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
            case "analyzer-loop":
                // For profilers: the analyzer-time work runs in a plain loop.
                AnalyzerBenchmarks.MeasureWork(int.Parse(args.ElementAtOrDefault(1) ?? "200"));
                return 0;
            case "memory":
                return ContextMemoryMeasurement.Run(args.Skip(1).ToArray()).GetAwaiter().GetResult();
            case "context":
                return ContextTransferMeasurement.Run().GetAwaiter().GetResult();
            case "app":
                // app [tools] [--latency-ms N] [--bandwidth-mbit M]: N ms each way between every tool and the registry, and
                // at most M Mbit/s on each connection (LatencyProxy).
                return AppImageMeasurement.Run(args.ElementAtOrDefault(1) is { } only && !only.StartsWith("--", StringComparison.Ordinal) ? only : null,
                    Option(args, "--latency-ms"), Option(args, "--bandwidth-mbit"));
            default:
                Console.Error.WriteLine("usage: generator | analyzer | analyzer-app | analyzer-time | build | noop | memory | context | app");
                return 2;
        }
    }

    /// <summary>
    /// analyzer-time: the practice analyzer's cost per definition by CPU time (AnalyzerBenchmarks.OwnCost), and, as a
    /// breakdown, its callbacks' own time by Roslyn's telemetry, measured in a child process whose gen0 budget is 64 MB
    /// so that most runs collect no garbage (a collection's pause lands in whichever callback is running).
    /// </summary>
    // The number after a switch (0 without it).
    private static int Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).FirstOrDefault();

    private static int AnalyzerTime(int runs)
    {
        var child = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") child.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in new[] { "analyzer-work", runs.ToString(System.Globalization.CultureInfo.InvariantCulture) }) child.ArgumentList.Add(argument);
        child.Environment["DOTNET_GCgen0size"] = "0x4000000";
        using var process = System.Diagnostics.Process.Start(child)!;
        var output = process.StandardOutput.ReadToEnd().Trim().Split(' ');
        process.WaitForExit();
        if (process.ExitCode != 0) return process.ExitCode;
        var work = double.Parse(output[0], System.Globalization.CultureInfo.InvariantCulture);
        var gcFreeRuns = int.Parse(output[1], System.Globalization.CultureInfo.InvariantCulture);

        var (cpu, bytes) = AnalyzerBenchmarks.OwnCost(runs);
        Console.WriteLine($"practice analyzer, per definition (200 definitions; {runs} fresh compilations with it, {runs} with a no-op analyzer on the same operation blocks):");
        Console.WriteLine($"  cost: {cpu:F3} ms of CPU time (goal <= 0.2 ms), {bytes / 1024:F1} KB allocated");
        Console.WriteLine($"  of which its callbacks' own time (Roslyn telemetry, median of the {gcFreeRuns} runs without a collection): {work:F3} ms");
        return 0;
    }
}
