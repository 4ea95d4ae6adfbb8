using System.Diagnostics;
using ImageDsl.Build.Context;
using ImageDsl.Build.Docker;

namespace ImageDsl.Benchmarks;

/// <summary>
/// Streams a 1 GB build context to the daemon as a tar (the classic builder's path; BuildKit's goes through the session
/// helper, whose peak the context measurement reports) and reports how much this process's peak memory grew over its
/// settled size before the build: the context must stream, never sit in memory. (Not a BenchmarkDotNet job: the
/// figure is a peak, which BenchmarkDotNet's diagnosers do not report.)
/// </summary>
internal static class ContextMemoryMeasurement
{
    public static async Task<int> Run(string[] args)
    {
        var size = args.Length > 0 ? long.Parse(args[0]) : 1L << 30;
        var context = Directory.CreateTempSubdirectory("imagedsl-bench-big-");
        try
        {
            // A sparse file: the bytes still go through the tar writer and the socket.
            using (var file = new FileStream(Path.Combine(context.FullName, "big.bin"), System.IO.FileMode.CreateNew)) file.SetLength(size);
            var dockerfile = Dockerfile.From(BenchSupport.BaseImage).Run("true").ToString();
            using var engine = await DockerEngine.ConnectAsync(new DockerEndpoint(new Uri(DockerEndpointResolver.DefaultUnixSocket), null, false, "bench"), TimeSpan.FromSeconds(10), CancellationToken.None);
            var small = Directory.CreateTempSubdirectory("imagedsl-bench-small-");
            await Build(engine, dockerfile, small.FullName); // warm every code path first
            small.Delete(true);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var settled = process.WorkingSet64;
            var watch = Stopwatch.StartNew();
            var peak = settled;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.WorkingSet64);
                    await Task.Delay(20);
                }
            });
            await Build(engine, dockerfile, context.FullName);
            sampling.Cancel();
            await sampler;
            Console.WriteLine($"context: {size / (1 << 20)} MiB streamed in {watch.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine($"working set before: {settled / (1 << 20)} MiB, peak during: {peak / (1 << 20)} MiB, growth: {(peak - settled) / (1 << 20)} MiB");
            return 0;
        }
        finally
        {
            context.Delete(true);
        }
    }

    private static Task<string> Build(DockerEngine engine, string dockerfile, string context)
    {
        var request = new BuildRequest("bench/big-context", dockerfile, context, new[] { "bench/big-context:1" }, new Dictionary<string, string>(), new Dictionary<string, string>(), NoCache: true);
        var entries = ContextPacker.List(context);
        return engine.BuildAsync(request, DockerfilePlacement.ForClassicBuilder(entries, context)!, BuilderKind.Classic, new Silent(), CancellationToken.None);
    }

    private sealed class Silent : IBuildLog
    {
        public void Step(string text) { }
        public void Output(string line) { }
    }
}
