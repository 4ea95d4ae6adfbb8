using ImageDsl.Build.Context;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// The real engine as eng/engine.sh set it up. Settings come from the environment eng/test.sh exports, or from
/// 'eng/engine.sh --env' when a developer runs the tests directly. Nothing here skips: no daemon is a failure.
/// </summary>
public static class TestEngine
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Settings = new(LoadSettings);

    public static string Get(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value
        : Settings.Value.TryGetValue(name, out var fromScript) ? fromScript
        : throw new InvalidOperationException($"{name} is not set: run the tests through eng/test.sh, which starts the engine.");

    public static string BaseImage => Get("IMAGEDSL_BASE_IMAGE");

    /// <summary>
    /// The network RUN steps use on this machine: its daemon has no bridge, so the engine script exports
    /// ImageDslNetworkMode=host (which MSBuild also reads as a property). ImageDsl's own default is docker's.
    /// </summary>
    public static string NetworkMode => Get("ImageDslNetworkMode");

    /// <summary>
    /// The push of <paramref name="reference"/> succeeded: pushed now, or up to date — the registry already held this
    /// very image under the tag, as it does when an earlier run pushed the same reproducible build.
    /// </summary>
    public static void AssertPushed(string output, string reference) =>
        Xunit.Assert.Matches(new System.Text.RegularExpressions.Regex(
            $"(pushed {System.Text.RegularExpressions.Regex.Escape(reference)}@sha256:|{System.Text.RegularExpressions.Regex.Escape(reference)} is up to date \\(sha256:)"), output);

    /// <summary>Smoke-run containers of <paramref name="image"/> still on the daemon (other tests run containers at the same time).</summary>
    public static async Task<IList<Docker.DotNet.Models.ContainerListResponse>> LeftoverSmokeContainersAsync(string image)
    {
        using var client = new Docker.DotNet.DockerClientBuilder().WithEndpoint(SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        return await client.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { ["org.imagedsl.smoke-run=true"] = true },
                ["ancestor"] = new Dictionary<string, bool> { [image] = true },
            },
        });
    }

    public static string Registry => Get("IMAGEDSL_REGISTRY");

    public static string AuthRegistry => Get("IMAGEDSL_AUTH_REGISTRY");

    public static string AuthRegistryUser => Get("IMAGEDSL_AUTH_REGISTRY_USER");

    public static string AuthRegistryPassword => File.ReadAllText(Get("IMAGEDSL_AUTH_REGISTRY_PASSWORD_FILE")).Trim();

    public static DockerEndpoint SocketEndpoint => new(new Uri(DockerEndpointResolver.DefaultUnixSocket), null, false, "tests");

    public static DockerEndpoint TlsEndpoint
    {
        get
        {
            var certs = Get("IMAGEDSL_TLS_CERT_PATH");
            return new DockerEndpoint(new Uri(Get("IMAGEDSL_TLS_HOST")), certs, true, "tests");
        }
    }

    public static Task<DockerEngine> ConnectAsync(DockerEndpoint? endpoint = null) =>
        DockerEngine.ConnectAsync(endpoint ?? SocketEndpoint, TimeSpan.FromSeconds(10), CancellationToken.None);

    /// <summary>Builds a Dockerfile with a context made of the given files (and the given build arguments), and returns the image id.</summary>
    public static async Task<string> BuildAsync(DockerEngine engine, string tag, string dockerfile, BuilderKind builder, IReadOnlyDictionary<string, string>? files = null, IBuildLog? log = null,
        IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var directory = Directory.CreateTempSubdirectory("imagedsl-context-");
        try
        {
            foreach (var (name, content) in files ?? new Dictionary<string, string>())
            {
                var path = Path.Combine(directory.FullName, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, content);
            }

            var request = new BuildRequest(tag, dockerfile, directory.FullName, new[] { tag }, buildArgs ?? new Dictionary<string, string>(), new Dictionary<string, string>(),
                NetworkMode: NetworkMode);
            return await engine.BuildAsync(request, Layout(directory.FullName, builder), builder, log ?? new ListLog(), CancellationToken.None);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Builds a Dockerfile without the daemon (the daemonless builder, its bases from the loopback registry, files at the
    /// epoch) with a context of the given files, and loads the image into the daemon under <paramref name="tag"/> so that
    /// it can be inspected and run like the daemon's builds.
    /// </summary>
    public static async Task BuildDaemonlessAsync(DockerEngine engine, string tag, string dockerfile, IReadOnlyDictionary<string, string>? files = null,
        IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var directory = Directory.CreateTempSubdirectory("imagedsl-context-");
        try
        {
            foreach (var (name, content) in files ?? new Dictionary<string, string>()) await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), content);
            var store = new Build.Daemonless.BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
            using var bases = new Build.Daemonless.RegistryBaseImages(store, new Build.Registry.RegistryCredentials(_ => null, "/nonexistent"), Build.Registry.PushPolicy.Default);
            var assembled = await new Build.Daemonless.ImageAssembler(bases, store).AssembleAsync(new Build.Daemonless.AssemblyRequest(dockerfile, null,
                buildArgs ?? new Dictionary<string, string>(), new Dictionary<string, string>(), ContextPacker.List(directory.FullName), Platform: null,
                DateTimeOffset.UnixEpoch, 1), CancellationToken.None);
            var artifacts = Build.Daemonless.ImageArtifacts.Of(assembled);
            var archive = new MemoryStream();
            await Build.Daemonless.ImageOutputs.WriteArchiveAsync(new[] { artifacts }, artifacts, new[] { tag }, archive, heldLayers: 0, CancellationToken.None);
            archive.Position = 0;
            await engine.LoadAsync(archive, CancellationToken.None);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>A context directory laid out for the builder as the build task lays it out.</summary>
    public static ContextLayout Layout(string directory, BuilderKind builder) =>
        DockerfilePlacement.For(builder, "test", ContextPacker.List(directory), directory, new[] { EverythingRead }, new Dictionary<string, string>());

    /// <summary>A read of the whole context, as <c>COPY . …</c> makes (tests build Dockerfiles without a manifest).</summary>
    public static readonly ImageDsl.Build.Metadata.ContextPath EverythingRead = new(0, false, new[] { new ImageDsl.Build.Metadata.PathPart(".", null, null) });

    /// <summary>
    /// Every regular file under the given directories of an image, with its content, read in a container (names as
    /// raw bytes: busybox ls would mask tabs and non-ASCII). Directories that do not exist contribute nothing.
    /// </summary>
    public static async Task<(string Path, string Content)[]> ReadFilesAsync(DockerEngine engine, string image, params string[] directories)
    {
        var script = "for d in \"$@\"; do [ -d \"$d\" ] && find \"$d\" -type f -exec sh -c 'printf \"%s\\0\" \"$1\"; cat \"$1\"; printf \"\\0\"' _ {} \\; ; done; true";
        var run = await engine.RunAsync(image, TimeSpan.FromSeconds(60), "none", CancellationToken.None, new[] { "sh", "-c", script, "sh" }.Concat(directories).ToList());
        Assert.True(run.ExitCode == 0, run.Output);
        var fields = run.Stdout.Split('\0');
        var files = new List<(string, string)>();
        for (var i = 0; i + 1 < fields.Length; i += 2) files.Add((fields[i], fields[i + 1]));
        return files.ToArray();
    }

    private static IReadOnlyDictionary<string, string> LoadSettings()
    {
        var script = Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, "eng", "engine.sh");
        var start = new System.Diagnostics.ProcessStartInfo("bash", $"\"{script}\" --env") { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n')
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l.Substring("export ".Length).Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }
}

/// <summary>A build log that keeps what it is told, for assertions.</summary>
public sealed class ListLog : IBuildLog
{
    public List<string> Steps { get; } = new();

    public List<string> Lines { get; } = new();

    public void Step(string text)
    {
        lock (Steps) Steps.Add(text);
    }

    public void Output(string line)
    {
        lock (Lines) Lines.Add(line);
    }

    /// <summary>What the build's session sent (BuildKit builds).</summary>
    public (long Files, long Bytes) SentTotal { get; private set; }

    public void Sent(long files, long bytes) => SentTotal = (files, bytes);
}
