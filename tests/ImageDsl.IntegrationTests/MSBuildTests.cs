using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>`dotnet build` of a user-shaped project, end to end, against the real daemon and registries.</summary>
[Collection(nameof(MSBuildTests))]
public class MSBuildTests
{
    private static string Definition(string name, string message, string extra = "") => $$"""
        [Image("{{name}}", ExpectOutput = "{{message}}")]
        public static partial class App
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy("message.txt", "/message.txt"){{extra}}
                .Cmd("cat", "/message.txt");
        }
        """;

    private static string BaseArgs => $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}";

    /// <summary>
    /// A build argument no image declares (a misspelt name) would leave the default in the image without a word, as
    /// docker ignores it: it is a warning naming it. Declared ones and docker's predefined proxy arguments are not.
    /// </summary>
    [Fact]
    public void A_build_argument_no_image_declares_is_a_warning_naming_it()
    {
        using var project = new MSBuildProject(Definition("tests/msbuild-unused-arg", "unused arg"), new Dictionary<string, string> { ["message.txt"] = "unused arg\n" });

        var result = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslSmokeRun=false -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}%3BBASE_IMGE=typo%3Bno_proxy=localhost");

        Assert.True(result.ExitCode == 0, result.Output);
        var warning = Assert.Single(result.Warnings, w => w.Contains("IMAGEDSL2028", StringComparison.Ordinal));
        Assert.Contains("'BASE_IMGE'", warning);
        Assert.Contains("tests/msbuild-unused-arg", warning);

        // MSBuild's own switch keeps it as a message, as docs/errors.md says (a CI passing the same arguments everywhere).
        var quiet = project.Build($"-p:ImageDslBuildOnBuild=true -p:ImageDslSmokeRun=false -p:ImageDslNoCache=true -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}%3BBASE_IMGE=typo -p:MSBuildWarningsAsMessages=IMAGEDSL2028");
        Assert.True(quiet.ExitCode == 0, quiet.Output);
        Assert.Contains("building tests/msbuild-unused-arg", quiet.Output); // the task ran, with the unused argument
        Assert.DoesNotContain(quiet.Warnings, w => w.Contains("IMAGEDSL2028", StringComparison.Ordinal));
    }

    /// <summary>
    /// The definition sets org.opencontainers.image.version and team; the build has $(Version) (a default label of the
    /// same key) and the project's own ImageDslLabel team. The definition's version arrives; the project's team label
    /// replaces the definition's, with a warning — for both of the daemon's builders and the daemonless builder alike.
    /// </summary>
    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    [InlineData("daemonless")]
    public async Task A_label_the_definition_sets_is_not_replaced_by_a_default_and_a_projects_own_is_reported(string builder)
    {
        var name = "tests/labels-" + builder;
        using var project = new MSBuildProject($$"""
            [Image("{{name}}", SmokeRun = false)]
            public static partial class App
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Label(("org.opencontainers.image.version", "2.3"), ("team", "definition"));
            }
            """, projectXml: """<ItemGroup><ImageDslLabel Include="team" Value="project" /></ItemGroup>""");
        var baseImage = builder == "daemonless" ? Daemonless.DaemonlessParityTests.RegistryBase : TestEngine.BaseImage;

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={baseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:Version=9.9.9");

        Assert.True(result.ExitCode == 0, result.Output);
        var warning = Assert.Single(result.Warnings, w => w.Contains("IMAGEDSL2027", StringComparison.Ordinal));
        Assert.Contains("'team'", warning);
        using var engine = await TestEngine.ConnectAsync();
        var labels = (await engine.InspectImageAsync(name + ":latest", CancellationToken.None))!.Config!.Labels!;
        Assert.Equal("2.3", labels["org.opencontainers.image.version"]);
        Assert.Equal("project", labels["team"]);
        Assert.Equal("1970-01-01T00:00:00Z", labels["org.opencontainers.image.created"]);
    }

    [Fact]
    public async Task Dotnet_build_generates_builds_runs_and_pushes_then_skips_the_daemon_when_nothing_changed()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..10];
        using var project = new MSBuildProject(Definition("tests/msbuild-flow", "hello from msbuild"), new Dictionary<string, string> { ["message.txt"] = "hello from msbuild\n" });
        var flow = $"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslPushOnBuild=true -p:ImageDslRegistry={TestEngine.Registry} -p:Version=2.3.4";

        var first = project.Build(flow + $" -p:ImageDslImageRevision={tag}");

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("| hello from msbuild", first.Output);
        Assert.Contains($"pushed {TestEngine.Registry}/tests/msbuild-flow:latest@sha256:", first.Output);
        Assert.Contains("[2/2] COPY message.txt /message.txt", first.Output);
        Assert.Contains("CMD [\"cat\", \"/message.txt\"]", project.Read("obj/Debug/net10.0/imagedsl/tests-msbuild-flow.Dockerfile"));
        using (var engine = await TestEngine.ConnectAsync())
        {
            var labels = (await engine.InspectImageAsync("tests/msbuild-flow:latest", CancellationToken.None))!.Config!.Labels!;
            Assert.Equal("2.3.4", labels["org.opencontainers.image.version"]);
            Assert.Equal(tag, labels["org.opencontainers.image.revision"]);
            Assert.Equal("1970-01-01T00:00:00Z", labels["org.opencontainers.image.created"]); // never "now": see the reproducibility test
        }

        // Same settings without pushing: the labels (version, revision) are part of what decides a rebuild.
        var same = $"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:Version=2.3.4 -p:ImageDslImageRevision={tag}";
        var second = project.Build(same);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.DoesNotContain("ImageDsl:", second.Output); // MSBuild's own up-to-date check: no ImageDsl task even loads
        Assert.Contains("Skipping target \"_ImageDslBuildIfChanged\" because all output files are up-to-date", second.Output);

        File.SetLastWriteTimeUtc(Path.Combine(project.Directory.FullName, "message.txt"), DateTime.UtcNow.AddSeconds(5));
        var touched = project.Build(same);
        Assert.True(touched.ExitCode == 0, touched.Output);
        Assert.Contains("tests/msbuild-flow is up to date", touched.Output); // same bytes: the content stamp holds
        Assert.DoesNotContain("building tests/msbuild-flow", touched.Output);
        Assert.DoesNotContain("| hello from msbuild", touched.Output);

        // A file no COPY can take is not part of what is sent: adding one changes nothing of the image.
        project.Write("added-to-context.txt", "not copied by the definition\n");
        var added = project.Build(same);
        Assert.True(added.ExitCode == 0, added.Output);
        Assert.DoesNotContain("building tests/msbuild-flow", added.Output);

        project.Write("message.txt", "hello again\n");
        project.WriteDefinition(Definition("tests/msbuild-flow", "hello again"));
        var third = project.Build(same);
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains("building tests/msbuild-flow", third.Output);
        Assert.Contains("| hello again", third.Output);
    }

    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    public async Task A_rebuild_from_the_cache_is_bit_identical_and_created_comes_from_SOURCE_DATE_EPOCH(string builder)
    {
        var name = "tests/reproducible-" + builder;
        using var project = new MSBuildProject(Definition(name, "r"), new Dictionary<string, string> { ["message.txt"] = "r " + Guid.NewGuid() + "\n" });
        var args = $"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslSmokeRun=false -p:ImageDslBuilder={builder}";
        var epoch = new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        using var engine = await TestEngine.ConnectAsync();
        async Task<(string Id, string Created)> BuildFromScratchOfImageDslsStateAsync()
        {
            // Forget everything ImageDsl recorded, so that the daemon really builds again (from its cache).
            System.IO.Directory.Delete(Path.Combine(project.Directory.FullName, "obj/Debug/net10.0/imagedsl"), recursive: true);
            var result = project.Build(args, epoch);
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"building {name}", result.Output);
            var image = (await engine.InspectImageAsync(name + ":latest", CancellationToken.None))!;
            return (image.ID, image.Config!.Labels!["org.opencontainers.image.created"]);
        }

        Assert.True(project.Build(args, epoch).ExitCode == 0);
        var first = await BuildFromScratchOfImageDslsStateAsync();
        var second = await BuildFromScratchOfImageDslsStateAsync();

        Assert.Equal("2023-11-14T22:13:20Z", first.Created);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task BuildImages_target_returns_the_image_id_as_an_output_item()
    {
        using var project = new MSBuildProject(Definition("tests/msbuild-items", "items"), new Dictionary<string, string> { ["message.txt"] = "items\n" });

        var result = project.Build($"{BaseArgs} -t:BuildImages -getItem:ImageDslBuiltImage");

        Assert.True(result.ExitCode == 0, result.Output);
        var json = JsonDocument.Parse(result.Output.Substring(result.Output.IndexOf('{')));
        var item = json.RootElement.GetProperty("Items").GetProperty("ImageDslBuiltImage")[0];
        using var engine = await TestEngine.ConnectAsync();
        var inspected = await engine.InspectImageAsync("tests/msbuild-items:latest", CancellationToken.None);
        Assert.Equal(inspected!.ID, item.GetProperty("ImageId").GetString());
        Assert.Equal("tests/msbuild-items", item.GetProperty("Identity").GetString());
    }

    [Fact]
    public void Checked_in_dockerfile_is_written_and_a_stale_copy_fails_the_check_with_a_diff()
    {
        using var project = new MSBuildProject(Definition("tests/reviewed", "r"), new Dictionary<string, string> { ["message.txt"] = "r\n" });

        var write = project.Build("-p:ImageDslDockerfileDirectory=images");
        Assert.True(write.ExitCode == 0, write.Output);
        Assert.Contains("COPY message.txt /message.txt", project.Read("images/tests-reviewed.Dockerfile"));

        Assert.Equal(0, project.Build("-p:ImageDslDockerfileDirectory=images -p:ImageDslCheckDockerfiles=true").ExitCode);

        project.WriteDefinition(Definition("tests/reviewed", "r", "\n                .Env(\"MODE\", \"reviewed\")"));
        var check = project.Build("-p:ImageDslDockerfileDirectory=images -p:ImageDslCheckDockerfiles=true");

        Assert.NotEqual(0, check.ExitCode);
        var error = Assert.Single(check.Errors);
        Assert.Contains("IMAGEDSL2001", error);
        Assert.Contains("+ ENV MODE=reviewed", check.Output);
        Assert.DoesNotContain("MODE", project.Read("images/tests-reviewed.Dockerfile"));
    }

    /// <summary>
    /// Visual Studio's MSBuild before version 18 runs on .NET Framework and cannot load ImageDsl's .NET tasks: instead of
    /// failing every build there, the build step says it cannot run (IMAGEDSL4002) — an error for the image targets, a
    /// warning for a build that asked for images, and a build that did not ask is not broken. This machine has no .NET
    /// Framework MSBuild: the tests set the targets' switch that its runtime and version select.
    /// </summary>
    [Fact]
    public void Where_the_tasks_cannot_run_the_build_says_so_instead_of_failing_to_load_them()
    {
        using var project = new MSBuildProject(Definition("tests/no-tasks", "n"), new Dictionary<string, string> { ["message.txt"] = "n\n" });
        const string NoTasks = "-p:_ImageDslTaskRuntime=None";

        var plain = project.Build(NoTasks);

        Assert.True(plain.ExitCode == 0, plain.Output);
        Assert.DoesNotContain(plain.Warnings, w => w.Contains("IMAGEDSL", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(project.Directory.FullName, "*.Dockerfile", SearchOption.AllDirectories));

        var onBuild = project.Build($"{NoTasks} -p:ImageDslBuildOnBuild=true {BaseArgs}");

        Assert.True(onBuild.ExitCode == 0, onBuild.Output);
        Assert.Contains("cannot run in this MSBuild", Assert.Single(onBuild.Warnings, w => w.Contains("IMAGEDSL4002", StringComparison.Ordinal)));
        Assert.DoesNotContain("building tests/no-tasks", onBuild.Output);

        var images = project.Build($"{NoTasks} -t:BuildImages {BaseArgs}");

        Assert.NotEqual(0, images.ExitCode);
        Assert.Contains("IMAGEDSL4002", Assert.Single(images.Errors));
    }

    /// <summary>
    /// Visual Studio 2026's MSBuild (18) runs the tasks in its .NET task host (UsingTask Runtime="NET"). Taken here by
    /// the dotnet CLI's MSBuild 18, the same declarations load and run them out of its process: the image builds and
    /// passes its smoke run.
    /// </summary>
    [Fact]
    public void The_tasks_run_in_the_NET_task_host_where_the_MSBuild_needs_one()
    {
        using var project = new MSBuildProject(Definition("tests/net-task-host", "from the task host"), new Dictionary<string, string> { ["message.txt"] = "from the task host\n" });

        var result = project.Build($"-p:_ImageDslTaskRuntime=NetTaskHost -p:ImageDslTasksOutOfProc=false -p:ImageDslBuildOnBuild=true {BaseArgs}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("smoke run of tests/net-task-host passed", result.Output);
    }

    [Fact]
    public void Unreachable_daemon_is_one_coded_error_without_a_stack_trace()
    {
        using var project = new MSBuildProject(Definition("tests/no-daemon", "x"), new Dictionary<string, string> { ["message.txt"] = "x\n" });

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslDockerHost=unix:///run/imagedsl-nothing-here.sock");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains("error IMAGEDSL3001", error);
        Assert.Contains("unix:///run/imagedsl-nothing-here.sock", error);
        Assert.Contains("there is no socket at /run/imagedsl-nothing-here.sock", error);
        Assert.DoesNotContain("   at ", result.Output);
    }

    [Fact]
    public void Remote_daemon_over_tls_from_the_docker_environment_variables()
    {
        using var project = new MSBuildProject(Definition("tests/over-tls", "tls"), new Dictionary<string, string> { ["message.txt"] = "tls\n" });

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true", new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = TestEngine.Get("IMAGEDSL_TLS_HOST"),
            ["DOCKER_TLS_VERIFY"] = "1",
            ["DOCKER_CERT_PATH"] = TestEngine.Get("IMAGEDSL_TLS_CERT_PATH"),
        });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("using the Docker daemon at tcp://127.0.0.1:2376/ (from DOCKER_HOST)", result.Output);
        Assert.Contains("| tls", result.Output);
    }

    [Fact]
    public void Current_docker_context_selects_the_daemon()
    {
        using var project = new MSBuildProject(Definition("tests/by-context", "context"), new Dictionary<string, string> { ["message.txt"] = "context\n" });
        var config = Directory.CreateTempSubdirectory("imagedsl-docker-config-");
        try
        {
            var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("imagedsl-tls"))).ToLowerInvariant();
            Directory.CreateDirectory(Path.Combine(config.FullName, "contexts", "meta", id));
            File.WriteAllText(Path.Combine(config.FullName, "contexts", "meta", id, "meta.json"),
                $$"""{ "Name": "imagedsl-tls", "Endpoints": { "docker": { "Host": "{{TestEngine.Get("IMAGEDSL_TLS_HOST")}}", "SkipTLSVerify": false } } }""");
            var tls = Path.Combine(config.FullName, "contexts", "tls", id, "docker");
            Directory.CreateDirectory(tls);
            foreach (var file in new[] { "ca.pem", "cert.pem", "key.pem" }) File.Copy(Path.Combine(TestEngine.Get("IMAGEDSL_TLS_CERT_PATH"), file), Path.Combine(tls, file));
            File.WriteAllText(Path.Combine(config.FullName, "config.json"), """{ "currentContext": "imagedsl-tls" }""");

            var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true", new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config.FullName, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null });

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("(from docker context 'imagedsl-tls')", result.Output);
        }
        finally
        {
            config.Delete(true);
        }
    }

    [Fact]
    public void Smoke_run_with_unexpected_output_fails_on_every_build_until_fixed()
    {
        using var project = new MSBuildProject(Definition("tests/smoke-mismatch", "expected text"), new Dictionary<string, string> { ["message.txt"] = "something {else} ${HOME}\n" });

        foreach (var attempt in new[] { 1, 2 })
        {
            var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true");
            Assert.NotEqual(0, result.ExitCode);
            var error = Assert.Single(result.Errors);
            Assert.Contains("IMAGEDSL2006", error);
            Assert.Contains("something {else} ${HOME}", result.Output); // braces arrive as printed, not doubled or formatted
        }
    }

    [Fact]
    public async Task Environment_credentials_go_only_to_the_registry_they_name_and_are_never_printed()
    {
        using var project = new MSBuildProject(Definition("tests/private", "private"), new Dictionary<string, string> { ["message.txt"] = "private\n" });
        await using var proxy = new RegistryProxy(TestEngine.AuthRegistry);
        var noHome = Directory.CreateTempSubdirectory("imagedsl-empty-home-");
        var password = TestEngine.AuthRegistryPassword;
        Dictionary<string, string?> Environment(string? host) => new()
        {
            ["DOCKER_CONFIG"] = noHome.FullName,
            ["IMAGEDSL_REGISTRY_USERNAME"] = TestEngine.AuthRegistryUser,
            ["IMAGEDSL_REGISTRY_PASSWORD"] = password,
            ["IMAGEDSL_REGISTRY_HOST"] = host,
        };
        string Push(string registry) => $"{BaseArgs} -t:PushImages -p:ImageDslRegistry={registry}";
        try
        {
            // Credentials that name no registry are refused before anything is sent.
            var unscoped = project.Build(Push(TestEngine.AuthRegistry), Environment(null));
            Assert.NotEqual(0, unscoped.ExitCode);
            Assert.Contains("IMAGEDSL1007", Assert.Single(unscoped.Errors));

            // Another registry (here the same server under another address, as a pull request could set it) gets
            // nothing: its login challenge goes unanswered.
            var elsewhere = project.Build(Push(proxy.Address), Environment(TestEngine.AuthRegistry));
            Assert.NotEqual(0, elsewhere.ExitCode);
            Assert.Contains("IMAGEDSL1001", Assert.Single(elsewhere.Errors));
            Assert.Equal(0, proxy.Authorized);

            var accepted = project.Build(Push(TestEngine.AuthRegistry), Environment("http://" + TestEngine.AuthRegistry + "/"));
            Assert.True(accepted.ExitCode == 0, accepted.Output);
            TestEngine.AssertPushed(accepted.Output, $"{TestEngine.AuthRegistry}/tests/private:latest");
            Assert.DoesNotContain(password, unscoped.Output + elsewhere.Output + accepted.Output);
        }
        finally
        {
            noHome.Delete(true);
        }
    }

    [Fact]
    public void RUN_steps_use_the_daemons_default_network_unless_a_property_says_otherwise()
    {
        // An interface only the host's network namespace has.
        var hostInterface = File.ReadAllLines("/proc/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).First(n => n != "lo");
        using var project = new MSBuildProject(Definition("tests/network", "n", "\n                .Run(\"cat /proc/net/dev\")"), new Dictionary<string, string> { ["message.txt"] = "n\n" });
        var withoutProperty = new Dictionary<string, string?> { ["ImageDslNetworkMode"] = null }; // this machine's engine script exports host

        // docker build's default: this daemon has no bridge, so the classic builder's RUN gets only a loopback of its own…
        var classic = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=classic -p:ImageDslNoCache=true", withoutProperty);
        Assert.True(classic.ExitCode == 0, classic.Output);
        Assert.Contains("lo:", classic.Output);
        Assert.DoesNotContain(hostInterface + ":", classic.Output);

        // …and BuildKit asks the daemon for its default network, which does not exist here.
        var buildKit = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit -p:ImageDslNoCache=true", withoutProperty);
        Assert.Contains("IMAGEDSL2004", Assert.Single(buildKit.Errors));
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"error IMAGEDSL2004: .*network bridge not found"), buildKit.Output);

        var host = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=buildkit -p:ImageDslNoCache=true -p:ImageDslNetworkMode=host", withoutProperty);
        Assert.True(host.ExitCode == 0, host.Output);
        Assert.Contains(hostInterface + ":", host.Output);
    }

    [Fact]
    public void Every_property_is_checked_before_any_work_with_one_coded_error_naming_it()
    {
        using var project = new MSBuildProject(Definition("tests/properties", "p"), new Dictionary<string, string> { ["message.txt"] = "p\n" });

        foreach (var (property, value, allowed) in new[]
                 {
                     ("ImageDslConnectTimeout", "ten", "whole number of seconds"),
                     ("ImageDslBuilder", "kaniko", "auto, docker, daemonless, buildkit or classic"),
                     ("ImageDslRegistry", "http://127.0.0.1:5000", "without a scheme"),
                     ("ImageDslRegistry", "ghcr.io/Team", "lowercase namespace"),
                     ("ImageDslPlatform", "amd64", "os/architecture"),
                     ("ImageDslPlatforms", "linux/aarch64", "arm64 for aarch64"),
                     ("ImageDslSmokeRun", "yes please", "true or false"),
                     ("ImageDslPushAttempts", "0", "from 1 to 99"),
                 })
        {
            var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true \"-p:{property}={value}\"");

            Assert.Contains(allowed, result.RefusedProperty(property, value));
            Assert.DoesNotContain("ImageDsl: using the Docker daemon", result.Output);
            Assert.DoesNotContain("MSB4030", result.Output);
        }
    }

    [Theory]
    [InlineData("\n                .RunHeredoc(\"echo hi\\n\")", "", "IMAGEDSL2002", "a heredoc", null)]
    [InlineData("\n                .Arg(new BuildArg(\"TARGETARCH\"))", "-p:ImageDslBuilder=classic", "IMAGEDSL2030", "automatic argument TARGETARCH", "Image.cs(8,18)")]
    [InlineData("\n                .User(\"1000\")\n                .Workdir(\"/data\")", "-p:ImageDslBuilder=classic", "IMAGEDSL2030", "WORKDIR under USER 1000", "Image.cs(9,18)")]
    [InlineData("\n                .Volume(\"/data\")\n                .Run(\"touch /data/f\")", "-p:ImageDslBuilder=classic", "IMAGEDSL2030", "RUN after VOLUME /data", "Image.cs(9,18)")]
    [InlineData("\n                .Add(Glob.Of(\"*.tar.gz\"), \"/opt/\", chown: Owner.Id(1000, 1000))", "-p:ImageDslBuilder=classic", "IMAGEDSL2030", "unpacks the archive *.tar.gz", "Image.cs(8,18)")]
    [InlineData("\n                .Copy(\".\", \"/created/deeper/\", chown: Owner.Id(1000, 1000))", "-p:ImageDslBuilder=classic", "IMAGEDSL2030", "where /created does not exist yet", "Image.cs(8,18)")]
    [InlineData("", "-p:ImageDslBuilder=classic -p:ImageDslPlatform=linux/arm", "IMAGEDSL2030", "builds for linux/arm/v7 from", "Image.cs(6,46)")]
    public void Feature_the_builder_cannot_run_is_refused_before_the_build(string extra, string properties, string code, string feature, string? at)
    {
        using var project = new MSBuildProject(Definition("tests/unsupported", "h", extra), new Dictionary<string, string> { ["message.txt"] = "h\n" });
        // An archive ADD would unpack (found by its content, as the builders find it), for the cases that add one.
        using (var archive = new System.IO.Compression.GZipStream(File.Create(Path.Combine(project.Directory.FullName, "bundle.tar.gz")), System.IO.Compression.CompressionLevel.Fastest))
        {
            archive.Write(new byte[1024]);
        }

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true {properties}");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.Contains(code, error);
        Assert.Contains(feature, error);
        Assert.DoesNotContain("building tests/unsupported", result.Output);
        // At the C# call that wrote the instruction, not at ImageDsl's targets.
        if (at is not null) Assert.Contains(at + ":", error);
    }

    /// <summary>
    /// The classic builder builds on the daemon's copy of a base whatever platform is named: with linux/arm64 named and
    /// an amd64 copy of the index's tag in the daemon (pulled by an earlier build), its image would stand on amd64
    /// (judged in PlatformChoiceTests' way), while BuildKit pulls the arm64 one. IMAGEDSL2030 for the classic builder;
    /// BuildKit builds it on arm64.
    /// </summary>
    [Fact]
    public async Task A_daemon_copy_of_another_platform_is_refused_for_the_classic_builder_and_BuildKit_pulls_the_named_one()
    {
        var (index, _) = await Daemonless.PlatformChoiceTests.PushIndexAsync(new[] { "linux/amd64", "linux/arm64" });
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildAsync(engine, "tests/local-copy:pulled", $"FROM {index}\n", BuilderKind.Classic); // pulls the amd64 image under the tag
        try
        {
            using var project = new MSBuildProject(Definition("tests/local-copy", "l"), new Dictionary<string, string> { ["message.txt"] = "l\n" });
            var args = $"-p:ImageDslBuildArgs=BASE_IMAGE={index} -p:ImageDslBuildOnBuild=true -p:ImageDslSmokeRun=false -p:ImageDslPlatform=linux/arm64";

            var classic = project.Build(args + " -p:ImageDslBuilder=classic");
            Assert.NotEqual(0, classic.ExitCode);
            var error = Assert.Single(classic.Errors);
            Assert.Contains("error IMAGEDSL2030", error);
            Assert.Contains($"builds for linux/arm64 from {index}, whose image is for linux/amd64", error);

            var buildkit = project.Build(args + " -p:ImageDslBuilder=buildkit");
            Assert.True(buildkit.ExitCode == 0, buildkit.Output);
            var built = await engine.InspectImageAsync("tests/local-copy", CancellationToken.None);
            Assert.Equal("linux/arm64", built!.Config!.Labels!["entry"]);
            Assert.Equal("arm64", built.Architecture);
        }
        finally
        {
            await engine.RemoveImageAsync(index, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Ctrl_C_cancels_the_build_on_the_daemon()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var project = new MSBuildProject(Definition("tests/cancelled", "x", $"\n                .Run(\"echo {marker} && sleep 300\")"),
            new Dictionary<string, string> { ["message.txt"] = "x\n" });
        Assert.Equal(0, project.Build().ExitCode); // compile first, so that the interrupt lands in the image build
        using (var before = await TestEngine.ConnectAsync())
        {
            await before.RemoveImageAsync("tests/cancelled:latest", CancellationToken.None); // an earlier run's image proves nothing
        }

        var start = new System.Diagnostics.ProcessStartInfo("dotnet", $"build \"{project.Directory.FullName}\" -nologo -v:n -nodeReuse:false --no-restore {BaseArgs} -p:ImageDslBuildOnBuild=true")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = new StringBuilder();
        var started = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains(marker) && !e.Data.Contains("RUN ")) started.TrySetResult();
        };
        process.BeginOutputReadLine();
        string Output()
        {
            lock (output) return output.ToString();
        }

        await started.Task.WaitAsync(TimeSpan.FromMinutes(2)).ContinueWith(t => Assert.True(t.IsCompletedSuccessfully, "the step never started:\n" + Output()));

        Assert.Equal(0, Kill(process.Id, 2)); // SIGINT, as Ctrl+C in a terminal
        var exited = await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1)).ContinueWith(t => t.IsCompletedSuccessfully);
        if (!exited) process.Kill(entireProcessTree: true);
        Assert.True(exited, "the build did not end within a minute of Ctrl+C:\n" + Output());

        Assert.NotEqual(0, process.ExitCode);
        Assert.DoesNotContain("built tests/cancelled", output.ToString());
        using var engine = await TestEngine.ConnectAsync();
        Assert.Null(await engine.InspectImageAsync("tests/cancelled:latest", CancellationToken.None));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void Multi_targeting_project_builds_its_images_once()
    {
        using var project = new MSBuildProject(Definition("tests/multi-target", "multi"), new Dictionary<string, string> { ["message.txt"] = "multi\n" });
        var csproj = Path.Combine(project.Directory.FullName, "App.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("<TargetFramework>net10.0</TargetFramework>", "<TargetFrameworks>net10.0;netstandard2.0</TargetFrameworks><LangVersion>latest</LangVersion>"));

        var result = project.Build($"{BaseArgs} -p:ImageDslBuildOnBuild=true -p:ImageDslDockerfileDirectory=images");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Output, "smoke run of tests/multi-target passed"));
        Assert.True(result.Output.Split('\n').Count(l => l.Contains("ImageDsl: building tests/multi-target")) == 1, result.Output);
        Assert.Contains("COPY message.txt /message.txt", project.Read("images/tests-multi-target.Dockerfile"));
    }

    [Fact]
    public void Definition_error_is_a_compiler_diagnostic_at_the_argument()
    {
        using var project = new MSBuildProject("""
            [Image("tests/bad")]
            public static partial class App
            {
                static Dockerfile Define() => Dockerfile.From("busybox").Workdir("relative/dir");
            }
            """);

        var result = project.Build();

        var line = project.Read("Image.cs").Split('\n')[4];
        var column = line.IndexOf("\"relative/dir\"", StringComparison.Ordinal) + 1;
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"Image.cs(5,{column}): error IDSL0003", Assert.Single(result.Errors));
    }
}

[CollectionDefinition(nameof(MSBuildTests), DisableParallelization = true)]
public sealed class MSBuildTestsCollection;
