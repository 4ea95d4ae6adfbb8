using System.Diagnostics;
using System.Text.RegularExpressions;
using ImageDsl.Build.Context;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;

namespace ImageDsl.Benchmarks;

/// <summary>
/// Side by side, in one run: a project directory of 100 MB of which the image copies 1 MB. What reaches the daemon
/// and how long the build takes, for the docker CLI (its context tar, the classic builder: the CLI here has no buildx)
/// and for ImageDsl (BuildKit's session, and the tar path with the context ImageDsl sends); then the same after one
/// 1 KB file of the copied part changed. Bytes are what crosses to the daemon: the tar's size, or every packet of the
/// session's context transfer. (Not BenchmarkDotNet: a build against the real daemon, measured as a whole, five runs.)
/// </summary>
internal static class ContextTransferMeasurement
{
    private const int Runs = 5;

    public static async Task<int> Run()
    {
        var random = new Random(42);
        var marker = Guid.NewGuid().ToString("N");
        var dockerfile = Dockerfile.From(BenchSupport.BaseImage).Copy("app", "/app").Run($"echo {marker} > /marker").ToString();
        var reads = new[] { new ContextPath(0, false, new[] { new PathPart("app", null, null) }) };
        using var engine = await DockerEngine.ConnectAsync(new DockerEndpoint(new Uri(DockerEndpointResolver.DefaultUnixSocket), null, false, "bench"), TimeSpan.FromSeconds(10), CancellationToken.None);
        var contexts = new List<DirectoryInfo>();
        try
        {
            // First builds: a new directory with new content each run, so that nothing is cached — not the daemon's
            // layers, not BuildKit's copy of an earlier transfer (kept per directory).
            var cold = Measure(Runs, () =>
            {
                var context = NewContext(random, dockerfile);
                contexts.Add(context);
                return context;
            }, engine, dockerfile, reads);
            Report($"first build of a new {Size(contexts[0]) / 1e6:0.0} MB project directory whose image copies app/ ({100 * 10 * 1024 / 1e6:0.0} MB)", cold);
            foreach (var context in contexts.Skip(1)) context.Delete(true);
            contexts.RemoveRange(1, contexts.Count - 1);

            // Rebuilds: one directory, one 1 KB file of app/ changed before each run.
            var warm = contexts[0];
            var changed = Measure(Runs, () =>
            {
                Write(warm, $"app/{random.Next(100):00}.bin", 1024, random);
                return warm;
            }, engine, dockerfile, reads);
            Report("rebuild after one 1 KB file of app/ changed", changed);
            return 0;
        }
        finally
        {
            foreach (var context in contexts) context.Delete(true);
        }
    }

    private static Dictionary<string, (double Seconds, long Bytes)> Measure(int runs, Func<DirectoryInfo> prepare, DockerEngine engine, string dockerfile, ContextPath[] reads)
    {
        var results = new Dictionary<string, List<(double, long)>> { ["cli"] = new(), ["session"] = new(), ["tar"] = new() };
        // Each tool gets its own fresh content (a new directory, or a newly changed file) right before its build, so no
        // tool finds what another just built in a cache they share.
        for (var run = 0; run < runs; run++)
        {
            results["cli"].Add(DockerCli(prepare()));
            results["session"].Add(ImageDslAsync(engine, prepare(), dockerfile, reads, BuilderKind.BuildKit).GetAwaiter().GetResult());
            results["tar"].Add(ImageDslAsync(engine, prepare(), dockerfile, reads, BuilderKind.Classic).GetAwaiter().GetResult());
        }

        return results.ToDictionary(r => r.Key, r => Median(r.Value));
    }

    private static void Report(string title, Dictionary<string, (double Seconds, long Bytes)> results)
    {
        var (cliSeconds, cliBytes) = results["cli"];
        var (sessionSeconds, sessionBytes) = results["session"];
        var (tarSeconds, tarBytes) = results["tar"];
        Console.WriteLine($"\n{title} ({Runs} runs, medians):");
        Console.WriteLine($"  docker build (CLI, classic builder, its tar)   {cliSeconds:0.00} s  {cliBytes,12:N0} bytes   1.00 / 1.00");
        Console.WriteLine($"  ImageDsl, BuildKit session                     {sessionSeconds:0.00} s  {sessionBytes,12:N0} bytes   time {sessionSeconds / cliSeconds:0.00}  bytes {(double)sessionBytes / cliBytes:0.0000}");
        Console.WriteLine($"  ImageDsl, classic builder (its tar)            {tarSeconds:0.00} s  {tarBytes,12:N0} bytes   time {tarSeconds / cliSeconds:0.00}  bytes {(double)tarBytes / cliBytes:0.0000}");
        Console.WriteLine($"  file sync ÷ tar path (ImageDsl's two paths):   time {sessionSeconds / tarSeconds:0.00}  bytes {(double)sessionBytes / tarBytes:0.0000}");
    }

    private static DirectoryInfo NewContext(Random random, string dockerfile)
    {
        var context = Directory.CreateTempSubdirectory("imagedsl-bench-context-");
        for (var i = 0; i < 99; i++) Write(context, $"data/{i:00}.bin", 1 << 20, random);
        for (var i = 0; i < 100; i++) Write(context, $"app/{i:00}.bin", 10 * 1024, random);
        File.WriteAllText(Path.Combine(context.FullName, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context.FullName, ".dockerignore"), "Dockerfile\n");
        return context;
    }

    private static (double, long) DockerCli(DirectoryInfo context)
    {
        var start = new ProcessStartInfo("docker", "build --network host -q -t bench/context-cli:1 .") { WorkingDirectory = context.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOCKER_BUILDKIT"] = "0";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        watch.Stop();
        if (process.ExitCode != 0) throw new InvalidOperationException("docker build failed: " + error);
        // The CLI packs the whole directory minus .dockerignore; its size is what "Sending build context" reports.
        return (watch.Elapsed.TotalSeconds, TarSize(ContextPacker.List(context.FullName), context.FullName));
    }

    private static async Task<(double, long)> ImageDslAsync(DockerEngine engine, DirectoryInfo context, string dockerfile, ContextPath[] reads, BuilderKind builder)
    {
        var log = new Counting();
        var watch = Stopwatch.StartNew();
        var none = new Dictionary<string, string>();
        // What BuildImages does: the listing, narrowed to what the definition can copy.
        var entries = ContextReads.Minimal(ContextPacker.List(context.FullName), reads, none);
        var layout = DockerfilePlacement.For(builder, "bench", entries, context.FullName, reads, none);
        var request = new BuildRequest("bench/context", dockerfile, context.FullName, new[] { "bench/context:" + builder.ToString().ToLowerInvariant() }, none, none);
        await engine.BuildAsync(request, layout, builder, log, CancellationToken.None);
        watch.Stop();
        return (watch.Elapsed.TotalSeconds, builder == BuilderKind.BuildKit ? log.Bytes : TarSize(layout.Entries, context.FullName, layout));
    }

    private static long TarSize(IReadOnlyList<ContextEntry> entries, string directory, ContextLayout? layout = null)
    {
        using var counter = new CountingStream();
        ContextPacker.WriteAsync(layout ?? ContextLayout.Plain(entries), "FROM scratch\n", counter, CancellationToken.None).GetAwaiter().GetResult();
        return counter.Length;
    }

    private static (double Seconds, long Bytes) Median(List<(double Seconds, long Bytes)> runs) =>
        (runs.Select(r => r.Seconds).Order().ElementAt(runs.Count / 2), runs.Select(r => r.Bytes).Order().ElementAt(runs.Count / 2));

    private static void Write(DirectoryInfo root, string name, int size, Random random)
    {
        var path = Path.Combine(root.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    private static long Size(DirectoryInfo root) => root.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    private sealed class Counting : IBuildLog
    {
        public long Bytes { get; private set; }

        public void Step(string text) { }

        public void Output(string line) { }

        public void Sent(long files, long bytes) => Bytes = bytes;
    }

    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
