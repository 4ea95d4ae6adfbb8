using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageDsl.Benchmarks;

/// <summary>
/// The samples/WebApi app, from source change to an image pushed to the loopback registry, side by side in one run
/// against what a .NET user would otherwise pick (docs/performance.md):
/// (a) ImageDsl host publish ÷ the SDK's <c>dotnet publish -t:PublishContainer</c>;
/// (b) ImageDsl in-image publish ÷ <c>docker build</c> + <c>docker push</c> of the equivalent hand-written Dockerfile,
/// with the definition in the app's project ("inimage") and in a small project of its own ("inimageproject");
/// (c) the same, cold: a fresh project directory with content no cache has seen;
/// and for the daemonless builder (host publish, pushed without the daemon): ÷ PublishContainer and ÷ <c>dotnet
/// publish</c> + <c>docker build</c> + <c>docker push</c> of the equivalent hand-written host-publish Dockerfile.
/// Each tool works in its own copy of the app (a standalone project, as `dotnet new` + `dotnet add package` make it),
/// and each run changes one source line to a value never built before. Not BenchmarkDotNet: whole builds against the
/// real daemon and registry, timed as a user waits for them; the tools take turns; medians of <see cref="Runs"/>.
/// </summary>
internal static class AppImageMeasurement
{
    private const int Runs = 5;

    /// <param name="only">Tool names to measure (e.g. "host,sdk" for (a) alone, "daemonless,sdk,clihost" for the daemonless builder); null: all.</param>
    /// <param name="latencyMilliseconds">When above 0, every tool reaches the registry through a <see cref="LatencyProxy"/>
    /// that delays each direction by this much: a registry farther away than this machine.</param>
    /// <param name="megabitsPerSecond">When above 0, the same proxy also limits each connection to this bandwidth.</param>
    public static int Run(string? only = null, int latencyMilliseconds = 0, int megabitsPerSecond = 0)
    {
        var loopback = Setting("IMAGEDSL_REGISTRY");
        var aspnet = Setting("IMAGEDSL_ASPNET_IMAGE");
        var sdk = Setting("IMAGEDSL_DOTNET_SDK_IMAGE");
        // The SDK pulls its base image from a registry: a copy of the same stand-in, in the loopback registry.
        BenchSupport.Run("docker", $"tag {aspnet} {loopback}/bench/aspnet:10.0");
        BenchSupport.Run("docker", $"push -q {loopback}/bench/aspnet:10.0");
        var far = latencyMilliseconds > 0 || megabitsPerSecond > 0 ? new LatencyProxy(loopback, TimeSpan.FromMilliseconds(latencyMilliseconds), megabitsPerSecond) : null;
        var registry = far?.Address ?? loopback;
        if (far is not null) Console.WriteLine($"every tool reaches the registry through {registry}: {latencyMilliseconds} ms each way, {(megabitsPerSecond > 0 ? megabitsPerSecond + " Mbit/s" : "unlimited bandwidth")}");
        var baseInRegistry = $"{registry}/bench/aspnet:10.0";

        var root = Directory.CreateTempSubdirectory("imagedsl-app-bench-");
        try
        {
            var feed = Path.Combine(BenchSupport.RepositoryRoot, "artifacts", "packages");
            File.WriteAllText(Path.Combine(root.FullName, "nuget.config"),
                $"<configuration><packageSources><clear /><add key=\"imagedsl\" value=\"{feed}\" /><add key=\"nuget\" value=\"https://api.nuget.org/v3/index.json\" /></packageSources></configuration>");
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(root.FullName, "packages"),
                ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry,
                ["ImageDslBuildArgs"] = $"RUNTIME_IMAGE={aspnet};SDK_IMAGE={sdk}",
                ["MSBUILDDISABLENODEREUSE"] = "1",
                // The compiler server, as on a developer's machine (the SDK's default; this machine's shell turns it
                // off): a one-line change compiles in a warm server, for every tool alike. Shut down at the end.
                ["UseSharedCompilation"] = "true",
            };
            var tools = new (string Name, Func<string, string> Prepare, Action<string> Build)[]
            {
                ("sdk", dir => App(root, dir, null, environment), dir => Dotnet(dir, $"publish -t:PublishContainer -c Release -p:ContainerBaseImage={baseInRegistry} -p:ContainerRegistry={registry} -p:ContainerRepository=bench/sdk-webapi", environment)),
                ("host", dir => App(root, dir, "host", environment), dir => Dotnet(dir, $"build -c Release -p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslSmokeRun=false -p:ContainerRegistry={registry} -p:ContainerRepository=bench/host-webapi", environment)),
                ("cli", dir => App(root, dir, "cli", environment), dir =>
                {
                    BenchSupport.Run("docker", $"build -q -f Dockerfile.handwritten -t {registry}/bench/cli-webapi:latest .", dir, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" });
                    BenchSupport.Run("docker", $"push -q {registry}/bench/cli-webapi:latest", dir);
                }),
                ("inimage", dir => App(root, dir, "inimage", environment), dir => Dotnet(dir, $"build -c Release -p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslSmokeRun=false -p:ContainerRegistry={registry} -p:ContainerRepository=bench/inimage-webapi", environment)),
                // The same in-image definition in a small project of its own next to the app (docs/getting-started.md): a
                // change to the app's code compiles nothing on the host.
                ("inimageproject", dir => App(root, dir, "inimageproject", environment), dir => Dotnet(Path.Combine(dir, "image"), $"build -c Release -p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslSmokeRun=false -p:ContainerRegistry={registry} -p:ContainerRepository=bench/inimageproject-webapi", environment)),
                // The daemonless builder reads its base from a registry, like the SDK: the same copy of the stand-in. Each
                // copy of the app has a base-layer cache of its own (IMAGEDSL_CACHE), so a cold build is a machine's first
                // build on that base (a CI runner's), which downloads and reads the base's layers; the SDK never needs them.
                ("daemonless", dir => App(root, dir, "host", environment), dir => Dotnet(dir, $"build -c Release -p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslSmokeRun=false -p:ImageDslBuilder=daemonless -p:ContainerRegistry={registry} -p:ContainerRepository=bench/daemonless-webapi -p:ImageDslBuildArgs=RUNTIME_IMAGE={baseInRegistry}",
                    new Dictionary<string, string>(environment) { ["IMAGEDSL_CACHE"] = dir + ".imagedsl-cache" })),
                ("clihost", dir => App(root, dir, "clihost", environment), dir =>
                {
                    Dotnet(dir, "publish -c Release -o bin/publish", environment);
                    BenchSupport.Run("docker", $"build -q -f Dockerfile.handwritten -t {registry}/bench/clihost-webapi:latest .", dir, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" });
                    BenchSupport.Run("docker", $"push -q {registry}/bench/clihost-webapi:latest", dir);
                }),
            };

            // The tools take turns, run by run, so that this VM's drift (a quarter within an hour) falls on all alike
            // instead of on whichever tool's block of runs it coincides with.
            var measured = tools.Where(t => only is null || only.Split(',').Contains(t.Name)).ToList();
            var cold = measured.ToDictionary(t => t.Name, _ => new List<double>());
            var warm = measured.ToDictionary(t => t.Name, _ => new List<double>());
            for (var run = 0; run < Runs; run++)
            {
                foreach (var (name, prepare, build) in measured)
                {
                    // Cold: a fresh directory (nothing of ImageDsl's, the SDK's or obj/), content never built before.
                    var dir = prepare($"{name}-cold-{run}");
                    cold[name].Add(Time(() => build(dir)));
                }
            }

            // Warm: each tool's last cold directory, one source line changed before each run.
            string WarmDir(string name) => Path.Combine(root.FullName, $"{name}-cold-{Runs - 1}");
            foreach (var (name, _, build) in measured) build(WarmDir(name)); // settle: a second build after the first, as a developer's loop has it
            for (var run = 0; run < Runs; run++)
            {
                foreach (var (name, _, build) in measured)
                {
                    ChangeOneLine(WarmDir(name));
                    warm[name].Add(Time(() => build(WarmDir(name))));
                }
            }

            Console.WriteLine($"medians of {Runs} runs, seconds (ratio against the tool a user would otherwise pick)");
            if (only is not null)
            {
                foreach (var (ours, theirs) in new[] { ("host", "sdk"), ("inimage", "cli"), ("inimageproject", "cli"), ("daemonless", "sdk"), ("daemonless", "clihost") })
                {
                    if (!warm.ContainsKey(ours) || !warm.ContainsKey(theirs)) continue;
                    Report($"one line changed → pushed: {ours} vs {theirs}", warm, ours, theirs);
                    Report($"cold → pushed: {ours} vs {theirs}", cold, ours, theirs);
                }

                return 0;
            }

            Report("(a) one line changed → pushed: ImageDsl host publish vs dotnet publish -t:PublishContainer", warm, "host", "sdk");
            Report("(b) one line changed → pushed: ImageDsl in-image publish vs docker build + docker push", warm, "inimage", "cli");
            Report("(c) cold → pushed: ImageDsl host publish vs PublishContainer", cold, "host", "sdk");
            Report("(c) cold → pushed: ImageDsl in-image publish vs docker build + docker push", cold, "inimage", "cli");
            Report("(b) with the definition in its own project: in-image publish vs docker build + docker push", warm, "inimageproject", "cli");
            Report("(c) with the definition in its own project, cold: in-image publish vs docker build + docker push", cold, "inimageproject", "cli");
            Report("daemonless, one line changed → pushed: vs PublishContainer", warm, "daemonless", "sdk");
            Report("daemonless, one line changed → pushed: vs dotnet publish + docker build + docker push", warm, "daemonless", "clihost");
            Report("daemonless, cold → pushed: vs PublishContainer", cold, "daemonless", "sdk");
            Report("daemonless, cold → pushed: vs dotnet publish + docker build + docker push", cold, "daemonless", "clihost");
            return 0;
        }
        finally
        {
            far?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            BenchSupport.Run("dotnet", "build-server shutdown");
            root.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A standalone copy of samples/WebApi in <paramref name="name"/>: its sources, ImageDsl added as a user adds it,
    /// and for the in-image tools the definition that publishes in an SDK stage (and its Dockerfile, hand-written for
    /// the docker CLI: the same instructions, without the cache mounts the classic builder cannot run).
    /// </summary>
    private static string App(DirectoryInfo root, string name, string? mode, Dictionary<string, string> environment)
    {
        var dir = Path.Combine(root.FullName, name);
        Directory.CreateDirectory(dir);
        var sample = Path.Combine(BenchSupport.RepositoryRoot, "samples", "WebApi");
        if (mode == "inimageproject")
        {
            // app/: the app alone, without ImageDsl; image/: a class library with ImageDsl and the in-image definition,
            // whose build context is the app's directory.
            var app = Directory.CreateDirectory(Path.Combine(dir, "app")).FullName;
            foreach (var file in new[] { "Program.cs", "WebApi.csproj", ".dockerignore" }) File.Copy(Path.Combine(sample, file), Path.Combine(app, file));
            File.WriteAllText(Path.Combine(app, "Program.cs"), File.ReadAllText(Path.Combine(app, "Program.cs")).Replace("Hello from the ImageDsl WebApi sample", "Hello " + Guid.NewGuid().ToString("N")));
            var image = Directory.CreateDirectory(Path.Combine(dir, "image")).FullName;
            File.WriteAllText(Path.Combine(image, "WebApi.Image.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n");
            File.WriteAllText(Path.Combine(image, "WebApiImage.cs"), InImage(File.ReadAllText(Path.Combine(sample, "WebApiImage.cs")))
                .Replace("[Image(\"samples/webapi\"", "[Image(\"samples/webapi\", Context = \"../app\""));
            Dotnet(image, $"add package ImageDsl --version {ImageDslVersion()}", environment);
            return dir;
        }

        foreach (var file in new[] { "Program.cs", "WebApi.csproj", ".dockerignore", "WebApiImage.cs" }) File.Copy(Path.Combine(sample, file), Path.Combine(dir, file));
        File.WriteAllText(Path.Combine(dir, "Program.cs"), File.ReadAllText(Path.Combine(dir, "Program.cs")).Replace("Hello from the ImageDsl WebApi sample", "Hello " + Guid.NewGuid().ToString("N")));
        Dotnet(dir, $"add package ImageDsl --version {ImageDslVersion()}", environment);
        if (mode is "inimage" or "cli")
        {
            File.WriteAllText(Path.Combine(dir, "WebApiImage.cs"), InImage(File.ReadAllText(Path.Combine(dir, "WebApiImage.cs"))));
        }

        if (mode == "cli")
        {
            // What a user writes for the classic builder (this machine's CLI has no buildx): the Dockerfile the in-image
            // definition renders, with the bases named directly, no cache mounts (the classic builder has none), and the
            // ImageDsl package in a folder of the project.
            Dotnet(dir, "build -c Release", environment);
            var generated = File.ReadAllText(Directory.GetFiles(Path.Combine(dir, "obj"), "samples-webapi.Dockerfile", SearchOption.AllDirectories).Single());
            var handwritten = Regex.Replace(Regex.Replace(generated, "--mount=type=cache,[^ ]+ ", ""), @"ARG (SDK|RUNTIME)_IMAGE=[^\n]*\n\n?", "")
                .Replace("${SDK_IMAGE}", Setting("IMAGEDSL_DOTNET_SDK_IMAGE")).Replace("${RUNTIME_IMAGE}", Setting("IMAGEDSL_ASPNET_IMAGE"))
                // A docker user's project has no ImageDsl: no feed for it, nothing of it to turn off.
                .Replace("COPY .imagedsl/feed/ /imagedsl-feed/\n", "").Replace(" -p:RestoreAdditionalProjectSources=/imagedsl-feed", "").Replace(" -p:ImageDslEnabled=false", "")
                // and the publish as Microsoft's Dockerfile samples write it: with the SDK's default compiler server.
                .Replace(" -p:UseSharedCompilation=false", "");
            File.WriteAllText(Path.Combine(dir, "Dockerfile.handwritten"), handwritten);
            WithoutImageDsl(dir, environment);
        }

        if (mode == "clihost")
        {
            // What a user writes to build a host-published app with docker: the Dockerfile the host-publish definition
            // renders, with the base named directly and `dotnet publish -o bin/publish` as the folder it copies (kept out of the
            // project's own globs under bin/, and let through the .dockerignore).
            Dotnet(dir, "build -c Release", environment);
            var generated = File.ReadAllText(Directory.GetFiles(Path.Combine(dir, "obj"), "samples-webapi.Dockerfile", SearchOption.AllDirectories).Single());
            var handwritten = Regex.Replace(generated, @"ARG RUNTIME_IMAGE=[^\n]*\n\n?", "")
                .Replace("${RUNTIME_IMAGE}", Setting("IMAGEDSL_ASPNET_IMAGE")).Replace(".imagedsl/publish/self/", "bin/publish/");
            File.WriteAllText(Path.Combine(dir, "Dockerfile.handwritten"), handwritten);
            File.WriteAllText(Path.Combine(dir, ".dockerignore"), "bin/*\n!bin/publish\nobj/\n");
            WithoutImageDsl(dir, environment);
        }

        // The SDK's user: the app as `dotnet new web` makes it, nothing of ImageDsl in its build.
        if (mode is null) WithoutImageDsl(dir, environment);
        return dir;
    }

    /// <summary>
    /// The alternatives are measured as their users have them: without the ImageDsl package (whose generator and
    /// analyzer would otherwise run in their compile) and without the definition.
    /// </summary>
    private static void WithoutImageDsl(string dir, Dictionary<string, string> environment)
    {
        Dotnet(dir, "remove package ImageDsl", environment);
        File.Delete(Path.Combine(dir, "WebApiImage.cs"));
        Directory.Delete(Path.Combine(dir, "obj"), recursive: true);
        if (Directory.Exists(Path.Combine(dir, "bin"))) Directory.Delete(Path.Combine(dir, "bin"), recursive: true);
    }

    /// <summary>The sample's host-publish definition turned into the in-image one: the app published in an SDK stage.</summary>
    private static string InImage(string definition) => definition
        .Replace("static readonly BuildArg RuntimeImage", "static readonly BuildArg SdkImage = new(\"SDK_IMAGE\", \"mcr.microsoft.com/dotnet/sdk:10.0\");\n    static readonly BuildArg RuntimeImage")
        .Replace(".Copy(DotNet.HostPublish(), \"/app/\")", ".Copy(\"/app/\", \"/app/\", from: DotNet.InImagePublish(SdkImage, \"WebApi.csproj\"))");

    private static void ChangeOneLine(string dir)
    {
        var program = File.Exists(Path.Combine(dir, "Program.cs")) ? Path.Combine(dir, "Program.cs") : Path.Combine(dir, "app", "Program.cs");
        File.WriteAllText(program, Regex.Replace(File.ReadAllText(program), "Hello [0-9a-f]{32}", "Hello " + Guid.NewGuid().ToString("N")));
    }

    private static void Dotnet(string dir, string arguments, Dictionary<string, string> environment) =>
        BenchSupport.Run("dotnet", arguments + (arguments.StartsWith("add ", StringComparison.Ordinal) || arguments.StartsWith("remove ", StringComparison.Ordinal) ? "" : " -nologo"), dir, environment);

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static void Report(string title, Dictionary<string, List<double>> results, string ours, string theirs)
    {
        double Median(List<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);
        var (a, b) = (Median(results[ours]), Median(results[theirs]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {a:0.00} s vs {b:0.00} s, ratio {a / b:0.00}  (runs: {string.Join(", ", results[ours].Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))} / {string.Join(", ", results[theirs].Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})"));
    }

    private static string ImageDslVersion() =>
        Regex.Match(File.ReadAllText(Path.Combine(BenchSupport.RepositoryRoot, "Directory.Build.props")), "<ImageDslVersion>(.*?)</ImageDslVersion>").Groups[1].Value;

    private static string Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set: eval \"$(bash eng/engine.sh)\" first.");
}
