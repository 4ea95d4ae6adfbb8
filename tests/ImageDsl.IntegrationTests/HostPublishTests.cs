using Xunit;

namespace ImageDsl.IntegrationTests;

/// <summary>
/// DotNet.HostPublish with both builders: the project is published on the host and arrives in the image through the
/// context's .imagedsl/ folder — by the tar for the classic builder, by the session for BuildKit. And DotNet.InImagePublish,
/// the other way to put a project's publish output in an image.
/// </summary>
[Collection(nameof(MSBuildTests))]
public class HostPublishTests
{
    // The Web SDK's item that publishes every *.config of the project's folder, and the line that keeps NuGet.Config out.
    private const string WebSdkContent = "<ItemGroup><Content Include=\"**/*.config\" Exclude=\"bin/**;obj/**\" CopyToPublishDirectory=\"PreserveNewest\" /></ItemGroup>";
    private const string KeptOut = "<ItemGroup><Content Update=\"NuGet.Config\" CopyToPublishDirectory=\"Never\" /></ItemGroup>";

    // An image of the project's publish output that lists it as its smoke run's output.
    private static string ListsThePublish(string image) => $$"""
        [Image("{{image}}", ExpectOutput = "App.dll")]
        public static partial class Image
        {
            static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
            static Dockerfile Define() => Dockerfile.From(BaseImage)
                .Copy(DotNet.HostPublish(), "/app/")
                .Cmd("ls", "/app");
        }
        """;

    [Theory]
    [InlineData("buildkit")]
    [InlineData("classic")]
    public void The_published_project_is_what_the_image_holds(string builder)
    {
        using var project = new MSBuildProject(ListsThePublish("tests/host-publish"));

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true -p:ImageDslBuilder={builder} -p:ImageDslNoCache=true");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("[tests/host-publish] | App.dll", result.Output);
        Assert.Contains("[tests/host-publish] | App.deps.json", result.Output);
        Assert.DoesNotContain("[tests/host-publish] | Image.cs", result.Output); // the publish output, not the sources
    }

    /// <summary>
    /// The Web SDK publishes every *.config file of the project's folder, so the NuGet.config a restore needed goes into
    /// the image with the feeds and credentials it holds (as with `dotnet publish` and the SDK's PublishContainer): said,
    /// at the definition, with the project-file line that keeps it out — which does.
    /// </summary>
    [Fact]
    public void A_nuget_config_in_the_publish_output_is_warned_about_until_the_project_keeps_it_out()
    {
        using var project = new MSBuildProject(ListsThePublish("tests/host-publish-nuget"), new Dictionary<string, string> { ["NuGet.Config"] = "<configuration />\n" }, projectXml: WebSdkContent);
        var args = $"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true";

        var shipped = project.Build(args);

        AssertShippedAndWarned(shipped, project, "tests/host-publish-nuget", "this project", at: "(");

        project.Write("App.csproj", project.Read("App.csproj").Replace(WebSdkContent, WebSdkContent + KeptOut, StringComparison.Ordinal));
        var kept = project.Build(args);

        AssertKeptOut(kept, "tests/host-publish-nuget", "App.dll");
    }

    /// <summary>
    /// The same for DotNet.InImagePublish, whose `dotnet publish` inside the image copies the same items. The usual CI
    /// shape: the image publishes another project, a web app whose folder is the build context (the
    /// definition's project does not reference it, and the check neither restores it nor writes into its folder).
    /// Built by the daemon: the file the warning names is in the image, and after the fix neither is.
    /// </summary>
    [Fact]
    public void An_in_image_publish_of_a_web_project_with_its_nuget_config_is_warned_about_until_it_keeps_it_out()
    {
        using var project = new MSBuildProject("""
            [Image("tests/in-image-nuget", Context = "web", ExpectOutput = "Web.dll")]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static readonly BuildArg Sdk = new("SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Copy("/app/", "/app/", from: DotNet.InImagePublish(Sdk, "Web.csproj"))
                    .Cmd("ls", "/app");
            }
            """,
            new Dictionary<string, string>
            {
                ["web/Web.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n",
                ["web/Program.cs"] = "System.Console.WriteLine(\"web\");\n",
                ["web/NuGet.Config"] = "<configuration />\n",
            },
            projectXml: "<ItemGroup><Compile Remove=\"web/**\" /><None Remove=\"web/**\" /></ItemGroup>");
        var args = $"-p:ImageDslBuildOnBuild=true \"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}%3BSDK_IMAGE={TestEngine.Get("IMAGEDSL_DOTNET_SDK_IMAGE")}\"";

        var shipped = project.Build(args);

        AssertShippedAndWarned(shipped, project, "tests/in-image-nuget", "Web.csproj", at: "(8,");
        Assert.False(Directory.Exists(Path.Combine(project.Directory.FullName, "web", "obj")), "the check wrote into the app's folder");

        project.Write("web/Web.csproj", project.Read("web/Web.csproj").Replace("</Project>", KeptOut + "</Project>", StringComparison.Ordinal));
        var kept = project.Build(args);

        AssertKeptOut(kept, "tests/in-image-nuget", "Web.dll");
    }

    // Built with NuGet.Config in the publish: warned once (IMAGEDSL2033 at Image.cs, naming the project and the line that
    // keeps it out), and the file is in the image's listing of /app.
    private static void AssertShippedAndWarned(MSBuildProject.Result shipped, MSBuildProject project, string image, string publishedProject, string at)
    {
        Assert.True(shipped.ExitCode == 0, shipped.Output);
        var warning = Assert.Single(shipped.Warnings, w => w.Contains("IMAGEDSL2033", StringComparison.Ordinal));
        Assert.Contains($"{Path.Combine(project.Directory.FullName, "Image.cs")}{at}", warning);
        Assert.Contains($"copies NuGet.Config from the publish output of {publishedProject}", warning);
        Assert.Contains("<Content Update=\"NuGet.Config\" CopyToPublishDirectory=\"Never\" />", warning);
        Assert.Contains($"[{image}] | NuGet.Config", shipped.Output);
    }

    // Built again after the project keeps it out: no warning, the app in the image, NuGet.Config not.
    private static void AssertKeptOut(MSBuildProject.Result kept, string image, string app)
    {
        Assert.True(kept.ExitCode == 0, kept.Output);
        Assert.DoesNotContain(kept.Warnings, w => w.Contains("IMAGEDSL2033", StringComparison.Ordinal));
        Assert.Contains($"[{image}] | {app}", kept.Output);
        Assert.DoesNotContain($"[{image}] | NuGet.Config", kept.Output);
    }

    /// <summary>
    /// The one-project shape (the app and its definition together): the project's own items say it, before anything is
    /// built — here the daemonless builder then refuses the image's RUN steps, which need a daemon.
    /// </summary>
    [Theory]
    [InlineData("NuGet.Config")]
    [InlineData("config/NuGet.Config")] // not the restore's, but content the Web SDK publishes all the same
    public void An_in_image_publish_of_this_project_is_checked_from_its_own_items_before_anything_is_built(string config)
    {
        using var project = new MSBuildProject("""
            [Image("tests/in-image-nuget-self")]
            public static partial class Image
            {
                static Dockerfile Define() => Dockerfile.From("busybox:1.36")
                    .Copy("/app/", "/app/", from: DotNet.InImagePublish("mcr.microsoft.com/dotnet/sdk:10.0", "App.csproj"));
            }
            """,
            new Dictionary<string, string> { [config] = "<configuration />\n" }, dockerignore: "bin/\nobj/\n", projectXml: WebSdkContent);

        var shipped = project.Build("-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=daemonless");

        var warning = Assert.Single(shipped.Warnings, w => w.Contains("IMAGEDSL2033", StringComparison.Ordinal));
        Assert.Contains($"{Path.Combine(project.Directory.FullName, "Image.cs")}(6,", warning);
        Assert.Contains($"copies {config} from the publish output of App.csproj", warning);
        Assert.Contains($"<Content Update=\"{config}\" CopyToPublishDirectory=\"Never\" />", warning);
        Assert.Contains("IMAGEDSL2021", Assert.Single(shipped.Errors));

        project.Write("App.csproj", project.Read("App.csproj").Replace(WebSdkContent, WebSdkContent + KeptOut.Replace("\"NuGet.Config\"", $"\"{config}\"", StringComparison.Ordinal), StringComparison.Ordinal));
        var kept = project.Build("-p:ImageDslBuildOnBuild=true -p:ImageDslBuilder=daemonless");

        Assert.DoesNotContain(kept.Warnings, w => w.Contains("IMAGEDSL2033", StringComparison.Ordinal));
        Assert.Contains("IMAGEDSL2021", Assert.Single(kept.Errors));
    }

    /// <summary>
    /// A host publish for another architecture than the image: with no ImageDslPlatform the image is the daemon's
    /// platform (or, without a daemon, this machine's), and a framework-dependent app would even pass its smoke run
    /// there — with another machine's apphost and native libraries in it. Refused, naming the property, with either
    /// builder; the identifier of the image's own platform builds.
    /// </summary>
    [Fact]
    public async Task A_host_publish_for_another_architecture_than_the_image_is_refused()
    {
        using var project = new MSBuildProject("""
            [Image("tests/host-publish-rid", SmokeRun = false)]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Copy(DotNet.HostPublish(), "/app/")
                    .Cmd("ls", "/app");
            }
            """, projectXml: "<PropertyGroup><RuntimeIdentifiers>linux-x64;linux-arm64</RuntimeIdentifiers></PropertyGroup>");
        using var engine = await TestEngine.ConnectAsync();
        var own = engine.Platform.Architecture switch { "amd64" => "linux-x64", "arm64" => "linux-arm64", var architecture => "linux-" + architecture };
        var other = own == "linux-x64" ? "linux-arm64" : "linux-x64";
        var build = $"-t:BuildImages -p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage}";

        foreach (var builder in new[] { "docker", "daemonless" })
        {
            var refused = project.Build($"{build} -p:ImageDslBuilder={builder} -p:ImageDslPublishRuntimeIdentifier={other}");
            var error = refused.RefusedProperty("ImageDslPublishRuntimeIdentifier", other);
            Assert.Contains(builder == "docker" ? $"({engine.Platform}, the daemon's platform" : "(linux/", error);
            Assert.DoesNotContain("ImageDsl: built tests/host-publish-rid", refused.Output);
        }

        var built = project.Build($"{build} -p:ImageDslBuilder=docker -p:ImageDslPublishRuntimeIdentifier={own}");
        Assert.True(built.ExitCode == 0, built.Output);
        Assert.Contains("ImageDsl: built tests/host-publish-rid", built.Output);
    }

    /// <summary>
    /// DotNet.InImagePublish of a project in a folder of the context (a repository's root): the settings of the folders
    /// above it and the project it references restore and build with it, inside the image, and a change to code alone
    /// leaves the restore cached.
    /// </summary>
    [Fact]
    public void An_in_image_publish_of_a_project_in_a_folder_builds_with_the_settings_above_it_and_the_projects_it_references()
    {
        using var project = new MSBuildProject("""
            [Image("tests/in-image-folder", Context = "repo", ExpectOutput = "from-the-root from-the-")]
            public static partial class Image
            {
                static readonly BuildArg Sdk = new("SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0");
                static readonly BuildArg Runtime = new("RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/runtime:10.0");
                static Dockerfile Define() => Dockerfile.From(Runtime)
                    .Copy("/app/", "/app/", from: DotNet.InImagePublish(Sdk, "src/Api/Api.csproj"))
                    .Entrypoint("dotnet", "/app/Api.dll");
            }
            """, new Dictionary<string, string>
        {
            ["repo/Directory.Build.props"] = "<Project><PropertyGroup><Product>from-the-root</Product></PropertyGroup></Project>\n",
            ["repo/.dockerignore"] = "**/bin/\n**/obj/\n",
            ["repo/src/Api/Api.csproj"] = """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                  <ItemGroup><ProjectReference Include="../Lib/Lib.csproj" /></ItemGroup>
                </Project>
                """,
            ["repo/src/Api/Program.cs"] = """
                var product = typeof(Lib.Greeting).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyProductAttribute), false);
                System.Console.WriteLine(((System.Reflection.AssemblyProductAttribute)product[0]).Product + " " + Lib.Greeting.Text);
                """,
            ["repo/src/Lib/Lib.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n",
            ["repo/src/Lib/Greeting.cs"] = "namespace Lib; public static class Greeting { public const string Text = \"from-the-library\"; }\n",
        }, projectXml: "<ItemGroup><Compile Remove=\"repo/**\" /></ItemGroup>");
        var args = $"-p:ImageDslBuildOnBuild=true \"-p:ImageDslBuildArgs=SDK_IMAGE={TestEngine.Get("IMAGEDSL_DOTNET_SDK_IMAGE")}%3BRUNTIME_IMAGE={TestEngine.Get("IMAGEDSL_ASPNET_IMAGE")}\"";

        var result = project.Build(args);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("[tests/in-image-folder] | from-the-root from-the-library", result.Output);

        project.Write("repo/src/Lib/Greeting.cs", "namespace Lib; public static class Greeting { public const string Text = \"from-the-changed-library\"; }\n");
        var codeChange = project.Build(args);

        Assert.True(codeChange.ExitCode == 0, codeChange.Output);
        Assert.Matches(@"\[publish \d/\d\] RUN .*dotnet restore 'src/Api/Api.csproj'.* CACHED", codeChange.Output);
        Assert.Contains("[tests/in-image-folder] | from-the-root from-the-changed-library", codeChange.Output);
    }

    /// <summary>
    /// DotNet.InImagePublish builds the project from the build context alone; a Directory.Build.props above the
    /// context would apply on this machine and not in the image, so the image is refused before anything builds,
    /// at the C# line of the publish stage.
    /// </summary>
    [Fact]
    public void An_in_image_publish_under_a_Directory_Build_props_above_its_context_is_refused_at_the_definition()
    {
        using var project = new MSBuildProject("""
            [Image("tests/settings-above", Context = "web")]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Copy("/app/", "/app/", from: DotNet.InImagePublish(BaseImage, "Web.csproj"))
                    .Cmd("ls", "/app");
            }
            """, new Dictionary<string, string> { ["web/Web.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />\n", ["Directory.Build.props"] = "<Project />\n" });

        var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true");

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(Path.Combine(project.Directory.FullName, "Image.cs") + "(7,", error); // the line of DotNet.InImagePublish
        Assert.Contains("IMAGEDSL2031", error);
        Assert.Contains($"from the build context {Path.Combine(project.Directory.FullName, "web")}, but {Path.Combine(project.Directory.FullName, "Directory.Build.props")}", error);
        Assert.DoesNotContain("building tests/settings-above", result.Output);
    }

    [Fact]
    public void Another_project_is_published_by_its_path_next_to_this_one()
    {
        var name = "worker" + Guid.NewGuid().ToString("N")[..8];
        using var project = new MSBuildProject($$"""
            [Image("tests/host-publish-other", ExpectOutput = "Worker.dll")]
            public static partial class Image
            {
                static readonly BuildArg BaseImage = new("BASE_IMAGE", "busybox:1.36");
                static Dockerfile Define() => Dockerfile.From(BaseImage)
                    .Copy(DotNet.HostPublish("../{{name}}/Worker.csproj"), "/worker/")
                    .Cmd("ls", "/worker");
            }
            """);
        var worker = Path.Combine(project.Directory.FullName, "..", name);
        Directory.CreateDirectory(worker);
        try
        {
            File.WriteAllText(Path.Combine(worker, "Worker.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType></PropertyGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(worker, "Program.cs"), "System.Console.WriteLine(\"worker\");\n");

            var result = project.Build($"-p:ImageDslBuildArgs=BASE_IMAGE={TestEngine.BaseImage} -p:ImageDslBuildOnBuild=true");

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("[tests/host-publish-other] | Worker.dll", result.Output);
            Assert.Contains("[tests/host-publish-other] | Worker.runtimeconfig.json", result.Output);
            Assert.DoesNotContain("[tests/host-publish-other] | App.dll", result.Output);
            Assert.Contains($"COPY .imagedsl/publish/..+2F{name}+2FWorker.csproj/ /worker/", project.Read("obj/Debug/net10.0/imagedsl/tests-host-publish-other.Dockerfile"));
        }
        finally
        {
            Directory.Delete(worker, recursive: true);
        }
    }

    [Fact]
    public void A_project_that_does_not_exist_is_IMAGEDSL2010_before_anything_is_built()
    {
        using var project = new MSBuildProject("""
            [Image("tests/host-publish-missing", SmokeRun = false)]
            public static partial class Image
            {
                static Dockerfile Define() => Dockerfile.From("busybox:1.36").Copy(DotNet.HostPublish("../Nowhere/Nowhere.csproj"), "/app/");
            }
            """);

        var result = project.Build("-p:ImageDslBuildOnBuild=true");

        var error = Assert.Single(result.Errors);
        Assert.Contains("error IMAGEDSL2010", error);
        Assert.Contains("Nowhere.csproj does not exist", error);
        Assert.DoesNotContain("ImageDsl: building", result.Output);
    }
}
