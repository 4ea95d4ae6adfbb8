extern alias generator;
extern alias codefixes;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Analyzer = generator::ImageDsl.Generator.Analysis.PracticeAnalyzer;
using Fixer = codefixes::ImageDsl.CodeFixes.PracticeCodeFixProvider;

namespace ImageDsl.Tests.Practices;

/// <summary>
/// The analyzer and its code fixes through Roslyn's test harness: where each finding is reported, and each fix's
/// before/after source. The harness also applies every fix one at a time and as "fix all" in the document, the project
/// and the solution, and checks that each way gives the same source.
/// </summary>
public class PracticeAnalyzerTests
{
    private static CSharpCodeFixTest<Analyzer, Fixer, DefaultVerifier> Test(string source, string? fixedSource = null)
    {
        var test = new CSharpCodeFixTest<Analyzer, Fixer, DefaultVerifier>
        {
            TestCode = source,
            // The reference assemblies come from Basic.Reference.Assemblies, not from a NuGet download at test time.
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
        };
        if (fixedSource is not null) test.FixedCode = fixedSource;
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        test.TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location));
        test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\nbuild_property.TargetFramework = net10.0\n"));
        return test;
    }

    private static string Image(string body) => $$"""
        using ImageDsl;

        [Image("app")]
        public static partial class App
        {
            static Dockerfile Define() => {{body}};
        }
        """;

    [Fact]
    public async Task Findings_are_reported_at_the_argument_at_fault()
    {
        await Test(Image("""
            Dockerfile
                    .From({|IDSL1001:"debian"|})
                    .Run({|IDSL1003:{|IDSL1004:"apt-get update && apt-get install -y curl"|}|})
                    .Env({|IDSL1012:"DB_PASSWORD"|}, "x")
                    .{|IDSL1002:Cmd("app")|}
            """)).RunAsync();
    }

    [Fact]
    public async Task Findings_on_a_pair_of_a_several_pair_call_are_reported_at_that_pair()
    {
        await Test(Image("""
            Dockerfile
                    .From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Env(("MODE", "production"), {|IDSL1012:("DB_PASSWORD", "x")|}, {|IDSL1017:("ASPNETCORE_HTTP_PORTS", "5000")|})
                    .User("app")
                    .Cmd("app")
            """)).RunAsync();
    }

    [Fact]
    public async Task A_definition_that_follows_the_practices_gets_nothing()
    {
        await Test(Image("""
            Dockerfile
                    .From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Workdir("/app")
                    .Copy(DotNet.HostPublish(), "/app/")
                    .User("app")
                    .Entrypoint("dotnet", "App.dll")
            """)).RunAsync();
    }

    [Fact]
    public async Task Findings_come_from_the_evaluated_definition_through_helpers_and_fields()
    {
        await Test("""
            using ImageDsl;

            [Image("app")]
            public static partial class App
            {
                static readonly BuildArg Base = new("BASE", "debian");
                const string Install = "apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*";

                static Dockerfile Define() => Dockerfile.From({|IDSL1001:Base|}).Run(Install).Apply(s => Finish(s));

                static Dockerfile Finish(Dockerfile stage) => stage.Run({|IDSL1011:"sudo true"|}).User("app");
            }
            """).RunAsync();
    }

    [Fact]
    public async Task A_half_typed_definition_gets_no_finding_and_no_failure()
    {
        var test = Test(Image("""Dockerfile.From("debian").Run("apt-get install curl").Cmd("""));
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        await test.RunAsync();
    }

    /// <summary>
    /// Through the compiler's own .editorconfig processing (AnalyzerConfigSet → the compilation's tree options), the way
    /// csc applies it: one rule raised to an error, one turned off.
    /// </summary>
    [Fact]
    public async Task Severity_follows_editorconfig()
    {
        var config = AnalyzerConfig.Parse("root = true\n[*.cs]\ndotnet_diagnostic.IDSL1001.severity = error\ndotnet_diagnostic.IDSL1002.severity = none\n", "/src/.editorconfig");
        var treeOptions = AnalyzerConfigSet.Create(ImmutableArray.Create(config)).GetOptionsForSourcePath("/src/App.cs").TreeOptions;
        var tree = CSharpSyntaxTree.ParseText(Image("""Dockerfile.From("debian").Cmd("app")"""), path: "/src/App.cs");
        var compilation = CSharpCompilation.Create("App", [tree],
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary).WithSyntaxTreeOptionsProvider(new TreeOptions(treeOptions)));

        var diagnostics = await compilation.WithAnalyzers([new Analyzer()]).GetAnalyzerDiagnosticsAsync();

        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(diagnostics).Severity);
        Assert.Equal("IDSL1001", diagnostics[0].Id);
    }

    /// <summary>
    /// Generated code gets no finding (nobody edits it); the analyzer decides that itself, by the driver's rules, since
    /// leaving it to the driver cost a fifth of its time. <c>generated_code</c> in .editorconfig overrides the rest.
    /// </summary>
    [Theory]
    [InlineData("/src/App.cs", "", null, 1)]
    [InlineData("/src/Images.g.cs", "", null, 0)]
    [InlineData("/src/Images.Designer.cs", "", null, 0)]
    [InlineData("/src/App.cs", "// <auto-generated/>\n", null, 0)]
    [InlineData("/src/App.cs", "/* <autogenerated> */\n", null, 0)]
    [InlineData("/src/App.cs", "[System.CodeDom.Compiler.GeneratedCode(\"tool\", \"1.0\")]\n", null, 0)]
    [InlineData("/src/App.cs", "", "true", 0)]
    [InlineData("/src/Images.g.cs", "", "false", 1)]
    public async Task Generated_code_gets_no_finding(string path, string prefix, string? generatedCode, int findings)
    {
        var definition = Image("""Dockerfile.From("debian").User("app").Cmd("app")""");
        var source = prefix.StartsWith('[') ? definition.Replace("[Image(", prefix + "[Image(") : prefix + definition;
        var tree = CSharpSyntaxTree.ParseText(source, path: path);
        var compilation = CSharpCompilation.Create("App", [tree],
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(Dockerfile).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var options = new AnalyzerOptions([], new ConfigOptions(generatedCode is null ? [] : new() { ["generated_code"] = generatedCode }));

        var diagnostics = await compilation.WithAnalyzers([new Analyzer()], options).GetAnalyzerDiagnosticsAsync();

        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(findings, diagnostics.Count(d => d.Id == "IDSL1001"));
    }

    private sealed class ConfigOptions(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    private sealed class TreeOptions(ImmutableDictionary<string, ReportDiagnostic> severities) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.NotGenerated;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            severities.TryGetValue(diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }

    [Fact]
    public async Task Fix_adds_no_install_recommends_and_the_cleanup()
    {
        await Test(
            Image("""Dockerfile.From("debian:12").Run({|IDSL1003:{|IDSL1004:"apt-get update && apt-get install -y curl"|}|}).User("app")"""),
            Image("""Dockerfile.From("debian:12").Run("apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*").User("app")""")).RunAsync();
    }

    [Fact]
    public async Task Fix_adds_no_cache_to_apk()
    {
        await Test(
            Image("""Dockerfile.From("alpine:3.20").Run({|IDSL1005:"apk add curl ca-certificates"|}).User("app")"""),
            Image("""Dockerfile.From("alpine:3.20").Run("apk add --no-cache curl ca-certificates").User("app")""")).RunAsync();
    }

    [Fact]
    public async Task Fix_turns_add_into_copy()
    {
        await Test(
            Image("""Dockerfile.From("debian:12").Add({|IDSL1008:"appsettings.json"|}, "/app/", chmod: FileMode.Octal("644")).User("app")"""),
            Image("""Dockerfile.From("debian:12").Copy("appsettings.json", "/app/", chmod: FileMode.Octal("644")).User("app")""")).RunAsync();
    }

    [Fact]
    public async Task Fix_inserts_a_user_before_the_final_command()
    {
        await Test(
            Image("""
                Dockerfile
                        .From("busybox:1.36")
                        .Copy("hello.txt", "/hello.txt")
                        .{|IDSL1002:Cmd("cat", "/hello.txt")|}
                """),
            Image("""
                Dockerfile
                        .From("busybox:1.36")
                        .Copy("hello.txt", "/hello.txt")
                        .User(Owner.Id(65534, 65534))
                        .Cmd("cat", "/hello.txt")
                """)).RunAsync();
    }

    [Fact]
    public async Task Fix_inserts_the_dotnet_user_for_dotnet_images()
    {
        await Test(
            Image("""Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0").{|IDSL1002:Entrypoint("dotnet", "App.dll")|}"""),
            Image("""Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0").User(Owner.Id(1654, 1654)).Entrypoint("dotnet", "App.dll")""")).RunAsync();
    }

    [Fact]
    public async Task Fix_pins_a_dotnet_image_to_the_project_version()
    {
        await Test(
            Image("""Dockerfile.From({|IDSL1001:"mcr.microsoft.com/dotnet/aspnet:latest"|}).User("app")"""),
            Image("""Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0").User("app")""")).RunAsync();
    }

    [Fact]
    public async Task No_tag_fix_when_the_version_is_not_knowable()
    {
        var source = Image("""Dockerfile.From({|IDSL1001:"debian"|}).User("app")""");
        await Test(source, source).RunAsync();
    }

    [Fact]
    public async Task Fix_restores_from_the_project_files_before_copying_everything()
    {
        await Test(Image("""
            Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Copy("/app", "/app/", from: Dockerfile.From("mcr.microsoft.com/dotnet/sdk:10.0").As("build")
                        .Workdir("/src")
                        .Copy(".", "/src/")
                        .Run({|IDSL1013:"dotnet publish -c Release -o /app"|}, mounts: [Mount.Cache("/root/.nuget/packages")]))
                    .User("app")
                    .Entrypoint("dotnet", "/app/App.dll")
            """), Image("""
            Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Copy("/app", "/app/", from: Dockerfile.From("mcr.microsoft.com/dotnet/sdk:10.0").As("build")
                        .Workdir("/src")
                        .Copy(new[] { Glob.Of("*.csproj"), Glob.Of("Directory.*.props"), Glob.Of("Directory.*.targets"), Glob.Of("[Nn]u[Gg]et.[Cc]onfig"), Glob.Of("Directory.Build.rs[p]"), Glob.Of("global.jso[n]"), Glob.Of("packages.lock.jso[n]") }, "/src/")
                        .Run("dotnet restore", mounts: [Mount.Cache("/root/.nuget/packages")])
                        .Copy(".", "/src/")
                        .Run("dotnet publish -c Release -o /app", mounts: [Mount.Cache("/root/.nuget/packages")]))
                    .User("app")
                    .Entrypoint("dotnet", "/app/App.dll")
            """)).RunAsync();
    }

    [Fact]
    public async Task Fix_moves_a_restore_step_before_the_copy()
    {
        await Test(Image("""
            Dockerfile.From({|IDSL1016:"mcr.microsoft.com/dotnet/sdk:10.0"|}).As("build")
                    .Copy(".", "/src/")
                    .Run({|IDSL1013:"dotnet restore"|}, mounts: [Mount.Cache("/root/.nuget/packages")])
                    .Run("dotnet publish -c Release --no-restore -o /app")
                    .User("app")
            """), Image("""
            Dockerfile.From({|IDSL1016:"mcr.microsoft.com/dotnet/sdk:10.0"|}).As("build")
                    .Copy(new[] { Glob.Of("*.csproj"), Glob.Of("Directory.*.props"), Glob.Of("Directory.*.targets"), Glob.Of("[Nn]u[Gg]et.[Cc]onfig"), Glob.Of("Directory.Build.rs[p]"), Glob.Of("global.jso[n]"), Glob.Of("packages.lock.jso[n]") }, "/src/")
                    .Run("dotnet restore", mounts: [Mount.Cache("/root/.nuget/packages")])
                    .Copy(".", "/src/")
                    .Run("dotnet publish -c Release --no-restore -o /app")
                    .User("app")
            """)).RunAsync();
    }

    [Fact]
    public async Task Fix_passes_a_secret_build_argument_as_a_secret_mount()
    {
        await Test("""
            using ImageDsl;

            [Image("app")]
            public static partial class App
            {
                static readonly BuildArg NugetToken = new("NUGET_TOKEN");

                static Dockerfile Define() => Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Arg({|IDSL1012:NugetToken|})
                    .Run("echo $NUGET_TOKEN > /dev/null", mounts: [Mount.Tmpfs("/tmp")])
                    .Run("echo ${NUGET_TOKEN}")
                    .Run("echo unrelated")
                    .User("app");
            }
            """, """
            using ImageDsl;

            [Image("app")]
            public static partial class App
            {
                static Dockerfile Define() => Dockerfile.From("mcr.microsoft.com/dotnet/aspnet:10.0")
                    .Run("echo $NUGET_TOKEN > /dev/null", mounts: [Mount.Tmpfs("/tmp"), Mount.Secret("nuget_token", env: "NUGET_TOKEN")])
                    .Run("echo ${NUGET_TOKEN}", mounts: [Mount.Secret("nuget_token", env: "NUGET_TOKEN")])
                    .Run("echo unrelated")
                    .User("app");
            }
            """).RunAsync();
    }

    [Fact]
    public async Task Fix_all_in_document_fixes_every_image()
    {
        const string Before = """
            using ImageDsl;

            [Image("one")]
            public static partial class One
            {
                static Dockerfile Define() => Dockerfile.From("debian:12").Run({|IDSL1003:"apt-get install -y git; rm -rf /var/lib/apt/lists/*"|}).User("app");
            }

            [Image("two")]
            public static partial class Two
            {
                static Dockerfile Define() => Dockerfile.From("alpine:3.20").Run({|IDSL1005:"apk add git"|}).Add({|IDSL1008:"a.txt"|}, "/a.txt").User("app");
            }
            """;
        const string After = """
            using ImageDsl;

            [Image("one")]
            public static partial class One
            {
                static Dockerfile Define() => Dockerfile.From("debian:12").Run("apt-get install --no-install-recommends -y git; rm -rf /var/lib/apt/lists/*").User("app");
            }

            [Image("two")]
            public static partial class Two
            {
                static Dockerfile Define() => Dockerfile.From("alpine:3.20").Run("apk add --no-cache git").Copy("a.txt", "/a.txt").User("app");
            }
            """;
        var test = Test(Before, After);
        test.BatchFixedCode = After;
        await test.RunAsync();
    }
}
