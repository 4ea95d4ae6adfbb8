using BenchmarkDotNet.Attributes;
using ImageDsl.Build.Context;
using ImageDsl.Build.Docker;

namespace ImageDsl.Benchmarks;

/// <summary>
/// ImageDsl's image-build step against `docker build` on the same Dockerfile and context (200 files, 5 MB), both
/// with the classic builder and without cache so that each run really builds (the docker CLI here has no buildx,
/// so it cannot use BuildKit). Each ImageDsl run connects anew, as the MSBuild task does. The BuildKit row shows
/// what the default builder costs for the same work.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10, invocationCount: 1)]
public class ImageBuildBenchmarks
{
    private DirectoryInfo _context = null!;
    private string _dockerfile = null!;
    private IReadOnlyList<ContextEntry> _entries = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = Directory.CreateTempSubdirectory("imagedsl-bench-context-");
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[25_000];
            random.NextBytes(bytes);
            Directory.CreateDirectory(Path.Combine(_context.FullName, "dir" + i % 10));
            File.WriteAllBytes(Path.Combine(_context.FullName, "dir" + i % 10, $"file{i}.bin"), bytes);
        }

        _dockerfile = Dockerfile.From(BenchSupport.BaseImage).Copy(".", "/app").Run("find /app -type f | wc -l > /count").ToString();
        File.WriteAllText(Path.Combine(_context.FullName, "Dockerfile"), _dockerfile);
        _entries = ContextPacker.List(_context.FullName);
    }

    [GlobalCleanup]
    public void Cleanup() => _context.Delete(true);

    [Benchmark(Baseline = true, Description = "docker build (classic, CLI)")]
    public void DockerCli() =>
        BenchSupport.Run("docker", "build --no-cache --network host -q -t bench/cli:1 .", _context.FullName, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" });

    [Benchmark(Description = "ImageDsl engine (classic)")]
    public Task ImageDslClassic() => BuildAsync(BuilderKind.Classic, "bench/imagedsl-classic:1");

    [Benchmark(Description = "ImageDsl engine (BuildKit)")]
    public Task ImageDslBuildKit() => BuildAsync(BuilderKind.BuildKit, "bench/imagedsl-buildkit:1");

    private async Task BuildAsync(BuilderKind builder, string tag)
    {
        using var engine = await DockerEngine.ConnectAsync(new DockerEndpoint(new Uri(DockerEndpointResolver.DefaultUnixSocket), null, false, "bench"), TimeSpan.FromSeconds(10), CancellationToken.None);
        var request = new BuildRequest(tag, _dockerfile, _context.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(), NoCache: true);
        await engine.BuildAsync(request, builder == BuilderKind.Classic ? DockerfilePlacement.ForClassicBuilder(_entries, _context.FullName)! : ContextLayout.Plain(_entries), builder, NullLog.Instance, CancellationToken.None);
    }

    private sealed class NullLog : IBuildLog
    {
        public static readonly NullLog Instance = new();
        public void Step(string text) { }
        public void Output(string line) { }
    }
}
