using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// The samples exactly as a user has them: `dotnet pack` into a fresh local feed, the samples copied out of the
/// repository, restored into an empty packages folder, then built, run and pushed against the real daemon and
/// registries.
/// </summary>
[Collection(nameof(MSBuildTests))]
public sealed class SampleTests : IClassFixture<SampleTests.PackedSamples>
{
    private readonly PackedSamples _samples;

    public SampleTests(PackedSamples samples) => _samples = samples;

    [Fact]
    public void Package_holds_the_library_the_generator_the_task_with_its_dependencies_and_the_build_files()
    {
        using var package = ZipFile.OpenRead(_samples.Package);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();

        // A build-time dependency: the DSL is a compile reference only (lib/ holds nothing), and the nuspec says so.
        Assert.Contains("ref/netstandard2.0/ImageDsl.dll", entries);
        Assert.Contains("lib/netstandard2.0/_._", entries);
        Assert.DoesNotContain("lib/netstandard2.0/ImageDsl.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/ImageDsl.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/ImageDsl.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator"));
        Assert.Contains("tasks/net8.0/ImageDsl.Build.dll", entries);
        Assert.Contains("tasks/net8.0/Docker.DotNet.dll", entries);
        Assert.Contains("tasks/net8.0/Docker.DotNet.Unix.dll", entries);
        Assert.Contains("tasks/net8.0/Docker.DotNet.X509.dll", entries);
        Assert.Contains("tasks/net8.0/session/ImageDsl.Session.dll", entries);
        // The task precompiled per machine for the .NET 10 runtime: the assembly alone (its dependencies and the
        // session helper are the IL task's), with machine code for that operating system and processor (the PE
        // machine field of a ReadyToRun image is the processor's XOR a value per operating system).
        var precompiled = new Dictionary<string, ushort> { ["linux-x64"] = 0x8664 ^ 0x7B79, ["linux-arm64"] = 0xAA64 ^ 0x7B79, ["osx-arm64"] = 0xAA64 ^ 0x4644, ["win-x64"] = 0x8664 };
        Assert.Equal(precompiled.Keys.Select(rid => $"tasks/net10.0/{rid}/ImageDsl.Build.dll").Order(), entries.Where(e => e.StartsWith("tasks/net10.0/", StringComparison.Ordinal)).Order());
        foreach (var (rid, machine) in precompiled)
        {
            using var image = new MemoryStream();
            using (var entry = package.GetEntry($"tasks/net10.0/{rid}/ImageDsl.Build.dll")!.Open()) entry.CopyTo(image);
            image.Position = 0;
            using var pe = new PEReader(image);
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{rid}: no ReadyToRun header");
            Assert.Equal(machine, (ushort)pe.PEHeaders.CoffHeader.Machine);
        }
        foreach (var folder in new[] { "build", "buildTransitive" })
        {
            Assert.Contains($"{folder}/ImageDsl.props", entries);
            Assert.Contains($"{folder}/ImageDsl.targets", entries);
            Assert.Contains($"{folder}/ImageDsl.PublishItems.targets", entries); // which ImageDsl.targets imports
        }

        using var nuspec = new StreamReader(package.GetEntry("ImageDsl.nuspec")!.Open());
        var text = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", text);
        Assert.Contains("<readme>README.md</readme>", text);
        Assert.Contains("<repository type=\"git\"", text);
        Assert.Contains($"<version>{_samples.Version}</version>", text);
        Assert.Contains("<developmentDependency>true</developmentDependency>", text);
    }

    [Fact]
    public async Task Getting_started_guide_runs_as_written()
    {
        // This machine's stand-ins, and nothing else, differ from what a user has: the registry's address, the base
        // images (no internet registry is reachable), and the ImageDsl package from the feed this run packed.
        var substitutions = new Dictionary<string, string> { ["localhost:5000"] = TestEngine.Registry };
        var environment = new Dictionary<string, string?>
        {
            ["ImageDslBuildArgs"] = $"RUNTIME_IMAGE={TestEngine.Get("IMAGEDSL_ASPNET_IMAGE")};SDK_IMAGE={TestEngine.Get("IMAGEDSL_DOTNET_SDK_IMAGE")}",
            ["NUGET_PACKAGES"] = Path.Combine(_samples.Root, "..", "guide-packages"),
        };
        var folder = Directory.CreateTempSubdirectory("imagedsl-guide-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "nuget.config"), $"""
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="imagedsl" value="{Path.GetDirectoryName(_samples.Package)}" />
                  </packageSources>
                </configuration>
                """);
            var results = Guide.Run(Path.Combine(ImageDsl.Tests.AllDefinitions.RepositoryRoot, "docs", "getting-started.md"), folder.FullName, substitutions, environment);

            var builds = results.Where(r => r.Command.StartsWith("dotnet build", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, builds.Count);
            var (hostPublish, inImage, ownProject) = (builds[0], builds[1], builds[2]);
            Assert.Contains("ImageDslPushOnBuild=true", hostPublish.Command);
            Assert.Contains("smoke run of hello-web passed: its HTTP probe got 200 OK", hostPublish.Output);
            TestEngine.AssertPushed(hostPublish.Output, $"{TestEngine.Registry}/hello-web:latest");
            Assert.Contains("smoke run of hello-web passed: its HTTP probe got 200 OK", inImage.Output);
            Assert.True(Regex.IsMatch(inImage.Output, @"\[publish \d/\d\] RUN .*dotnet restore 'HelloWeb.csproj'"), inImage.Output);
            // This machine's stand-in for nuget.org is a nuget.config above the project, which the image's restore does not see.
            Assert.DoesNotContain("IMAGEDSL2033", inImage.Output); // the guide keeps its NuGet.config above the project
            Assert.Contains($"warning IMAGEDSL2032: Image 'hello-web' restores its project inside the image (DotNet.InImagePublish) from the build context {Path.Combine(folder.FullName, "HelloWeb")}, which does not hold {Path.Combine(folder.FullName, "nuget.config")}", inImage.Output);

            // Nothing of ImageDsl in what the app runs from: its build output, and the publish output the image got.
            var app = Path.Combine(folder.FullName, "HelloWeb");
            var published = Path.Combine(app, "obj", "Debug", "net10.0", "imagedsl", "context", "publish", "self");
            Assert.True(File.Exists(Path.Combine(published, "HelloWeb.dll")), published);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(app, "bin"), "ImageDsl*", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFiles(published, "ImageDsl*", SearchOption.AllDirectories));

            // The in-image layer order: a change to the code alone leaves the restore cached and publishes again.
            File.AppendAllText(Path.Combine(app, "Program.cs"), "// a code change\n");
            var codeChange = MSBuildProject.Dotnet("build -p:ImageDslBuildOnBuild=true", environment, app);
            Assert.True(codeChange.ExitCode == 0, codeChange.Output);
            Assert.True(Regex.IsMatch(codeChange.Output, @"\[publish \d/\d\] RUN .*dotnet restore 'HelloWeb.csproj'.* CACHED"), codeChange.Output);
            Assert.True(Regex.IsMatch(codeChange.Output, @"\[publish \d/\d\] RUN .*dotnet publish 'HelloWeb.csproj'.* \d+\.\ds\r?$", RegexOptions.Multiline), codeChange.Output);

            // The definition in a project of its own (section 5): its image answers the probe; a change to the app
            // builds the image again without compiling the app on the host, and nothing changed builds nothing.
            Assert.Contains("smoke run of hello-web-ci passed: its HTTP probe got 200 OK", ownProject.Output);
            var hostAssembly = Path.Combine(app, "bin", "Debug", "net10.0", "HelloWeb.dll");
            var compiled = File.GetLastWriteTimeUtc(hostAssembly);
            File.AppendAllText(Path.Combine(app, "Program.cs"), "// another code change\n");
            var imageProject = Path.Combine(folder.FullName, "HelloWeb.Image");
            var appChange = MSBuildProject.Dotnet("build -p:ImageDslBuildOnBuild=true", environment, imageProject);
            Assert.True(appChange.ExitCode == 0, appChange.Output);
            Assert.True(Regex.IsMatch(appChange.Output, @"\[publish \d/\d\] RUN .*dotnet publish 'HelloWeb.csproj'.* \d+\.\ds\r?$", RegexOptions.Multiline), appChange.Output);
            Assert.Equal(compiled, File.GetLastWriteTimeUtc(hostAssembly));
            var unchanged = MSBuildProject.Dotnet("build -p:ImageDslBuildOnBuild=true", environment, imageProject);
            Assert.True(unchanged.ExitCode == 0, unchanged.Output);
            Assert.DoesNotContain("building hello-web-ci", unchanged.Output);

            using var http = new HttpClient();
            var manifest = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"http://{TestEngine.Registry}/v2/hello-web/manifests/latest")
            {
                Headers = { { "Accept", "application/vnd.docker.distribution.manifest.v2+json" } },
            });
            Assert.Equal(System.Net.HttpStatusCode.OK, manifest.StatusCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_task_is_the_one_precompiled_for_this_machine_where_the_SDK_is_10_or_later_and_the_IL_task_elsewhere()
    {
        string TasksAssembly(string properties = "")
        {
            var result = MSBuildProject.Dotnet($"msbuild \"{Path.Combine(_samples.Root, "HelloWorld")}\" -nologo -getProperty:ImageDslTasksAssembly -getProperty:NETCoreSdkRuntimeIdentifier {properties}");
            Assert.True(result.ExitCode == 0, result.Output);
            using var json = JsonDocument.Parse(result.Output);
            var found = json.RootElement.GetProperty("Properties");
            return Path.GetRelativePath(Path.Combine(_samples.PackagesFolder, "imagedsl", _samples.Version), Path.GetFullPath(found.GetProperty("ImageDslTasksAssembly").GetString()!)).Replace('\\', '/')
                + " on " + found.GetProperty("NETCoreSdkRuntimeIdentifier").GetString();
        }

        // This machine's SDK (10; linux-x64 here): the precompiled task, which every other test of this class builds with.
        var rid = RuntimeInformation.RuntimeIdentifier;
        Assert.Equal($"tasks/net10.0/{rid}/ImageDsl.Build.dll on {rid}", TasksAssembly());
        // A machine the package has no precompiled task for, and an SDK older than 10: the IL task.
        Assert.Equal("tasks/net8.0/ImageDsl.Build.dll on linux-musl-x64", TasksAssembly("-p:NETCoreSdkRuntimeIdentifier=linux-musl-x64"));
        Assert.Equal("tasks/net8.0/ImageDsl.Build.dll on linux-x64", TasksAssembly("-p:NETCoreSdkVersion=9.0.300"));
    }

    [Fact]
    public void Every_sample_restored_ImageDsl_from_the_local_feed_into_the_empty_packages_folder()
    {
        Assert.True(Directory.Exists(Path.Combine(_samples.PackagesFolder, "imagedsl", _samples.Version)));
        Assert.All(_samples.Restored, r => Assert.True(r.ExitCode == 0, r.Output));
    }

    [Fact]
    public void HelloWorld_builds_runs_with_its_greeting_and_pushes()
    {
        var result = _samples.Build("HelloWorld", $"-p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("[hello-world] | Hello from ImageDsl!", result.Output);
        TestEngine.AssertPushed(result.Output, $"{TestEngine.Registry}/hello-world:latest");
    }

    [Fact]
    public void MultiStage_builds_and_its_smoke_run_passes()
    {
        var result = _samples.Build("MultiStage", $"-p:ImageDslBuildOnBuild=true -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("| Hello from a multi-stage build, nobody", result.Output);
    }

    [Fact]
    public void ManyImages_builds_every_image_from_the_shared_base()
    {
        var result = _samples.Build("ManyImages", $"-p:ImageDslBuildOnBuild=true -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}");

        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var image in new[] { "samples/many-api", "samples/many-worker", "samples/many-migrations" })
        {
            Assert.Contains($"smoke run of {image} passed", result.Output);
        }

        Assert.Contains("api: serving as platform", result.Output);
        Assert.Contains("migrations: 3 applied", result.Output);
    }

    [Fact]
    public async Task PrivateRegistry_pushes_with_credentials_and_pulls_back_by_digest()
    {
        var password = TestEngine.AuthRegistryPassword;
        var result = _samples.Build("PrivateRegistry",
            $"-t:PushImages -p:ImageDslRegistry={TestEngine.AuthRegistry} -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -getItem:ImageDslPushedImage",
            new Dictionary<string, string?>
            {
                ["IMAGEDSL_REGISTRY_USERNAME"] = TestEngine.AuthRegistryUser, ["IMAGEDSL_REGISTRY_PASSWORD"] = password, ["IMAGEDSL_REGISTRY_HOST"] = TestEngine.AuthRegistry,
            });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain(password, result.Output);
        var pushed = JsonDocument.Parse(result.Output.Substring(result.Output.IndexOf('{'))).RootElement.GetProperty("Items").GetProperty("ImageDslPushedImage");
        Assert.Equal(2, pushed.GetArrayLength());
        var digest = pushed[0].GetProperty("Digest").GetString()!;
        Assert.Equal(digest, pushed[1].GetProperty("Digest").GetString());

        using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        var repository = $"{TestEngine.AuthRegistry}/team/private-app";
        var auth = new AuthConfig { ServerAddress = TestEngine.AuthRegistry, Username = TestEngine.AuthRegistryUser, Password = password };
        await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = digest }, auth, new Progress<JSONMessage>());
        var pulled = await client.Images.InspectImageAsync($"{repository}@{digest}");
        var built = await client.Images.InspectImageAsync("team/private-app:1.0");
        Assert.Equal(built.ID, pulled.ID);
    }

    [Fact]
    public async Task HelloWorld_is_pushed_for_two_platforms_without_a_daemon_and_the_pulled_image_prints_its_greeting()
    {
        var tag = "daemonless-" + Guid.NewGuid().ToString("N")[..8];
        var result = _samples.Build("HelloWorld", $"-t:PushImages -p:ImageDslRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} -p:ImageDslPlatforms=linux/amd64%3Blinux/arm64 " +
            $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.Get("IMAGEDSL_MULTIPLATFORM_BASE_IMAGE")}",
            new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/imagedsl-no-daemon.sock" });

        Assert.True(result.ExitCode == 0, result.Output);
        // The platform named, as BuildKit states it (linux/arm64, though the base's config says arm64/v8).
        Assert.Contains("built hello-world for linux/arm64 as ", result.Output);
        var reference = $"{TestEngine.Registry}/hello-world:{tag}";
        Assert.Contains($"pushed {reference}@sha256:", result.Output);
        await Daemonless.DaemonlessBuildTests.PullAsync(reference);
        using var engine = await TestEngine.ConnectAsync();
        var run = await engine.RunAsync(reference, TimeSpan.FromSeconds(60), "none", CancellationToken.None);
        Assert.Contains("Hello from ImageDsl!", run.Stdout);
    }

    [Fact]
    public async Task WebApi_is_pushed_without_a_daemon_and_the_pulled_image_answers_its_probe()
    {
        var tag = "daemonless-" + Guid.NewGuid().ToString("N")[..8];
        var args = $"-t:PushImages -p:ContainerRegistry={TestEngine.Registry} -p:ContainerImageTag={tag} -p:ImageDslBuildArgs=RUNTIME_IMAGE={TestEngine.Get("IMAGEDSL_REGISTRY_ASPNET_IMAGE")}";

        var result = _samples.Build("WebApi", args, new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/imagedsl-no-daemon.sock" });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("building samples/webapi without a daemon", result.Output);
        var reference = $"{TestEngine.Registry}/samples/webapi:{tag}";
        Assert.Contains($"pushed {reference}@sha256:", result.Output);
        await Daemonless.DaemonlessBuildTests.PullAsync(reference);
        using var engine = await TestEngine.ConnectAsync();
        var answer = await engine.ProbeAsync(reference, "samples/webapi", new ImageDsl.Build.Metadata.HttpProbe(8080, "/health", 200, "healthy"), TimeSpan.FromSeconds(60),
            TestEngine.Get("ImageDslProbeNetwork"), CancellationToken.None);
        Assert.Contains("200", answer);
    }

    [Fact]
    public async Task WebApi_one_project_is_published_built_probed_over_HTTP_and_pushed()
    {
        var args = $"-p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ContainerRegistry={TestEngine.Registry} -p:ImageDslBuildArgs=RUNTIME_IMAGE={TestEngine.Get("IMAGEDSL_ASPNET_IMAGE")}";

        var result = _samples.Build("WebApi", args);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("smoke run of samples/webapi passed: its HTTP probe got 200 OK from http://127.0.0.1:8080/health", result.Output);
        TestEngine.AssertPushed(result.Output, $"{TestEngine.Registry}/samples/webapi:latest");
        using (var engine = await TestEngine.ConnectAsync())
        {
            var config = (await engine.InspectImageAsync("samples/webapi:latest", CancellationToken.None))!.Config!;
            Assert.Equal("1654:1654", config.User);
            Assert.Contains("8080/tcp", config.ExposedPorts!.Keys);
            Assert.Equal(new[] { "CMD", "dotnet", "/app/WebApi.dll", "--check-health" }, config.Healthcheck!.Test);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_samples.Root, "WebApi", "bin"), "ImageDsl*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PrivateFeed_restores_from_the_authenticated_feed_through_a_secret_that_is_nowhere_in_the_image()
    {
        var password = File.ReadAllText(TestEngine.Get("IMAGEDSL_FEED_PASSWORD_FILE")).Trim();
        var args = $"-p:ImageDslBuildOnBuild=true -p:ImageDslNetworkMode=host \"-p:ImageDslBuildArgs=SDK_IMAGE={TestEngine.Get("IMAGEDSL_DOTNET_SDK_IMAGE")}" +
                   $"%3BRUNTIME_IMAGE={TestEngine.Get("IMAGEDSL_ASPNET_IMAGE")}%3BPRIVATE_FEED_URL={TestEngine.Get("IMAGEDSL_FEED_URL")}\"";

        var result = _samples.Build("PrivateFeed", args + " -p:ImageDslNoCache=true",
            new Dictionary<string, string?> { ["PRIVATE_FEED_CREDENTIALS"] = $"Username={TestEngine.Get("IMAGEDSL_FEED_USER")};Password={password}" },
            project: "PrivateFeed.Images.csproj");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("[samples/private-feed] | Hello from a private NuGet feed", result.Output);
        Assert.DoesNotContain(password, result.Output);
        using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        var inspect = JsonSerializer.Serialize(await client.Images.InspectImageAsync("samples/private-feed:latest"));
        var history = JsonSerializer.Serialize(await client.Images.GetImageHistoryAsync("samples/private-feed:latest"));
        Assert.DoesNotContain(password, inspect + history);
        await using var saved = await client.Images.SaveImageAsync("samples/private-feed:latest");
        using var image = new MemoryStream();
        await saved.CopyToAsync(image);
        Assert.True(image.ToArray().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(password)) < 0, "the feed password is in the image's layers");
        Assert.True(image.ToArray().AsSpan().IndexOf("PrivateFeed.Greetings.dll"u8) >= 0, "the image holds the restored package (the layers were searched)");
    }

    /// <summary>Packs ImageDsl into a fresh feed and copies the samples next to it, as a user's checkout would have them.</summary>
    public sealed class PackedSamples : IDisposable
    {
        private static readonly string RepositoryRoot = ImageDsl.Tests.AllDefinitions.RepositoryRoot;
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("imagedsl-samples-");

        public PackedSamples()
        {
            Version = Regex.Match(File.ReadAllText(Path.Combine(RepositoryRoot, "Directory.Build.props")), "<ImageDslVersion>(.*?)</ImageDslVersion>").Groups[1].Value;
            Root = Path.Combine(_root.FullName, "samples");
            PackagesFolder = Path.Combine(_root.FullName, "artifacts", "sample-packages");
            Directory.CreateDirectory(PackagesFolder);
            var feed = Path.Combine(_root.FullName, "artifacts", "packages");
            var pack = MSBuildProject.Dotnet($"pack \"{RepositoryRoot}src/Dsl\" -c Release -o \"{feed}\" -nologo");
            if (pack.ExitCode != 0) throw new InvalidOperationException(pack.Output);
            Package = Path.Combine(feed, $"ImageDsl.{Version}.nupkg");

            CopyDirectory(Path.Combine(RepositoryRoot, "samples"), Root);
            File.WriteAllText(Path.Combine(_root.FullName, "Directory.Build.props"),
                $"<Project><PropertyGroup><ImageDslVersion>{Version}</ImageDslVersion></PropertyGroup></Project>");
            Assert.Empty(Directory.EnumerateFileSystemEntries(PackagesFolder));
            foreach (var sample in new[] { "HelloWorld", "MultiStage", "ManyImages", "PrivateRegistry", "WebApi", "PrivateFeed/PrivateFeed.Images.csproj" })
            {
                Restored.Add(MSBuildProject.Dotnet($"restore \"{Path.Combine(Root, sample)}\" -nologo"));
            }
        }

        public string Version { get; }

        public string Root { get; }

        public string Package { get; }

        public string PackagesFolder { get; }

        public List<MSBuildProject.Result> Restored { get; } = new();

        public MSBuildProject.Result Build(string sample, string arguments, IReadOnlyDictionary<string, string?>? environment = null, string? project = null) =>
            MSBuildProject.Dotnet($"build \"{Path.Combine(Root, sample, project ?? "")}\" --no-restore -nologo -v:n {arguments}", environment);

        public void Dispose() => _root.Delete(true);

        private static void CopyDirectory(string from, string to)
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
                var target = Path.Combine(to, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }
}
