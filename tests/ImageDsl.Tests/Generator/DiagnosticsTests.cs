using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace ImageDsl.Tests.Generator;

/// <summary>
/// Each case is a definition body with the expected location marked <c>[|like this|]</c>. The generator must report
/// exactly one diagnostic with the given id, exactly there, and (for errors) emit no DockerfileText.
/// </summary>
public class DiagnosticsTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { DiagnosticIds.NotConstant, """Dockerfile.From([|System.Environment.GetEnvironmentVariable("BASE")|])""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Env("A", [|System.DateTime.Now.ToString()|])""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Arg(Version).Env("A", $"v[|{Version}|]")""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Expose([|new System.Random().Next()|])""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Env("RATIO", "x" + [|1.5|])""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Env("RATIO", $"{[|0.5m|]}")""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Env("ON", [|true|].ToString())""" },
        { DiagnosticIds.NotConstant, """Dockerfile.From("busybox").Expose([|Helper.RuntimePort|])""" },
        { DiagnosticIds.PortOutOfRange, """Dockerfile.From("busybox").Expose(80, [|70000|])""" },
        { DiagnosticIds.PortOutOfRange, """Dockerfile.From("busybox").Expose(Port.Range(90, [|80|]))""" },
        { DiagnosticIds.RelativeWorkdir, """Dockerfile.From("busybox").Workdir([|"app"|])""" },
        { DiagnosticIds.InvalidStageName, """Dockerfile.From("busybox").As([|"Build"|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Env("A", [|"line\nbreak"|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Copy("a", "/b", exclude: [|[Glob.Of("grüße")]|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Run("x", mounts: [Mount.Cache([|"/a b"|])])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Volume("/data", [|"/logs "|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Volume(["/data", [|" /logs"|]])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Copy("a", "/b", chmod: [|FileMode.Octal("4755")|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Add(Glob.Of("*.sh"), "/b/", chmod: [|FileMode.FromBits(0x3FF)|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").CopyHeredoc("x\n", "/b", chmod: [|FileMode.Octal("2755")|])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Run("make", mounts: [Mount.Cache("/c", mode: [|FileMode.Octal("777")|])])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").Run("make", mounts: [Mount.Cache("/c", from: "busybox", uid: [|1000|])])""" },
        { DiagnosticIds.InexpressibleValue, """Dockerfile.From("busybox").[|Healthcheck("check \\")|]""" },
        { DiagnosticIds.InvalidImageReference, """Dockerfile.From([|"Not A Reference"|])""" },
        { DiagnosticIds.InvalidArgument, """Dockerfile.From("busybox").Copy("a", "/b", chmod: FileMode.Octal([|"9"|]))""" },
        { DiagnosticIds.UnsupportedConstruct, """Dockerfile.From("busybox").OnBuild(b => { [|System.Console.WriteLine();|] return b; })""" },
        { DiagnosticIds.RepeatedSingletonInstruction, """Dockerfile.From("busybox").Cmd("a").[|Cmd("b")|]""" },
        { DiagnosticIds.UndeclaredBuildArgument, """Dockerfile.From("busybox").[|Env("V", Version)|]""" },
        { DiagnosticIds.UndeclaredBuildArgument, """Dockerfile.From("busybox").Env(("A", "1"), [|("V", "v" + Version)|])""" },
        { DiagnosticIds.ArgumentHiddenByEnv, """Dockerfile.From("busybox").Arg(Version).Env("VERSION", "2").Label(("a", "1"), [|("v", Version)|])""" },
        { DiagnosticIds.MisplacedEnvironmentVariable, """Dockerfile.From("busybox").Arg(new BuildArg("PATH")).Env(("A", "1"), [|("P", Value.Env("PATH"))|])""" },
        { DiagnosticIds.ArgumentHiddenByEnv, """Dockerfile.From("busybox").Arg(Version).Env("VERSION", "2").[|Label("v", Version)|]""" },
        { DiagnosticIds.MisplacedEnvironmentVariable, """Dockerfile.From([|Value.Env("BASE")|])""" },
        { DiagnosticIds.MisplacedEnvironmentVariable, """Dockerfile.From("busybox").Copy([|Value.Env("APP") + "/app.jar"|], "/app.jar")""" },
        { DiagnosticIds.MisplacedEnvironmentVariable, """Dockerfile.From("busybox").Arg(new BuildArg("PATH")).[|Env("P", Value.Env("PATH"))|]""" },
        { DiagnosticIds.InvalidArgument, """Dockerfile.From("busybox").Env("P", Value.Env([|"1X"|]))""" },
        { DiagnosticIds.ConflictingBuildArgument, """Dockerfile.From("busybox").Arg(Version).[|Arg(new BuildArg("VERSION", "2"))|]""" },
        { DiagnosticIds.UnnamedStageReference, """Dockerfile.From("busybox").[|Copy("/a", "/a", from: Dockerfile.From("busybox"))|]""" },
        { DiagnosticIds.DuplicateStageName, """Dockerfile.From("busybox").Copy("/a", "/a", from: Dockerfile.From("busybox").As("x")).Copy("/b", "/b", from: Dockerfile.From("alpine").[|As("x")|])""" },
        { DiagnosticIds.SourceArgumentIsPattern, """Dockerfile.From("busybox").Arg(Version).Copy([|"app-" + Version|], "/app")""" },
        { DiagnosticIds.LiteralLooksLikePattern, """Dockerfile.From("busybox").Copy([|"*.txt"|], "/app/")""" },
        { DiagnosticIds.LiteralLooksLikePattern, """Dockerfile.From("busybox").Copy(["a.txt", [|"b?.txt"|]], "/app/")""" },
        { DiagnosticIds.StageNameCapturesImage, """Dockerfile.From("hello-world").Copy("/a", "/a", from: Dockerfile.From("busybox").[|As("hello-world")|])""" },
        { DiagnosticIds.StageNameCapturesImage, """Dockerfile.From("busybox").Copy("/a", "/a", from: Dockerfile.From("busybox").[|As("scratch")|])""" },
        { DiagnosticIds.UnknownShell, """Dockerfile.From("busybox").[|Run("echo continued \\")|]""" },
        { DiagnosticIds.InvalidImageReference, """Dockerfile.From("busybox").Copy("/a", "/a", from: [|"0"|])""" },
        { DiagnosticIds.InvalidImageReference, """Dockerfile.From([|"busybox:" + new BuildArg("TAG", "no good")|])""" },
        { DiagnosticIds.InvalidArgument, """Dockerfile.From("busybox").Copy(Glob.Of([|"[a"|]), "/app/")""" },
        { DiagnosticIds.MisplacedDirective, """Dockerfile.From("busybox").Copy("/a", "/a", from: Dockerfile.From("busybox").As("x").[|WithEscape('`')|])""" },
        { DiagnosticIds.UndeclaredBuildArgument, """Dockerfile.From("busybox").[|Arg(new BuildArg("CHANNEL", "v" + Version))|]""" },
        { DiagnosticIds.InvalidArgument, """Dockerfile.From("busybox").Arg(new BuildArg("CHANNEL", [|"v" + Value.Env("HOME")|]))""" },
        { DiagnosticIds.ConflictingBuildArgument, """Dockerfile.From("busybox").Arg(new BuildArg("VERSION", "2")).[|Arg(new BuildArg("CHANNEL", "v" + Version))|]""" },
        { DiagnosticIds.InvalidImageReference, """Dockerfile.From([|new BuildArg("IMAGE", "busybox:" + new BuildArg("TAG", "no good"))|])""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_the_id_at_the_exact_location(string id, string marked)
    {
        var (body, span) = Markers.Extract(marked);
        var prefix = """
            using ImageDsl;
            static class Helper { public static int Port => 80; public static int RuntimePort { get; set; } }
            [Image("app")]
            public static partial class App
            {
                static readonly BuildArg Version = new("VERSION", "1");
                static Dockerfile Define() =>
            """;
        var result = GeneratorHarness.Run(prefix + body + ";\n}\n");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(prefix.Length + span.Start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(span.Length, diagnostic.Location.SourceSpan.Length);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()));
        var isError = diagnostic.Severity == DiagnosticSeverity.Error;
        Assert.Equal(!isError, result.ImageSources.Any());
    }

    /// <summary>
    /// An integer joined into text (<c>+</c>, <c>$"{…}"</c>, <c>ToString()</c>) is written as the invariant culture
    /// writes it, whatever culture the compiler runs in — at run time C# would use the current one, where Swedish, for
    /// one, writes a minus sign (U+2212) that no shell or program reads as a negative number.
    /// </summary>
    [Fact]
    public void An_integer_in_text_is_the_same_text_in_every_culture_the_compiler_runs_in()
    {
        var swedish = System.Globalization.CultureInfo.GetCultureInfo("sv-SE");
        Assert.NotEqual("-1", (-1).ToString(swedish)); // the decoy: this culture's own text of a negative number
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            foreach (var culture in new[] { swedish, System.Globalization.CultureInfo.GetCultureInfo("fa-IR"), System.Globalization.CultureInfo.InvariantCulture })
            {
                System.Globalization.CultureInfo.CurrentCulture = culture;
                var result = GeneratorHarness.Run("""
                    using ImageDsl;
                    [Image("app")]
                    public static partial class App
                    {
                        const int Port = 8080;
                        const long Offset = -3600L;
                        static Dockerfile Define() => Dockerfile.From("busybox")
                            .Env(("URLS", "http://+:" + Port), ("OFFSET", $"{Offset}s"), ("NEG", (-Port).ToString()), ("C", 'x' + ""));
                    }
                    """);

                Assert.Empty(result.GeneratorDiagnostics);
                Assert.Contains("ENV URLS=http://+:8080 OFFSET=-3600s NEG=-8080 C=x\\n", result.ImageSources.Single().SourceText.ToString());
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("\"web\", [|ProbePort = 70000|]", "not a port")]
    [InlineData("\"web\", ProbePort = 8080, [|ProbePath = \"health\"|]", "not a URL path")]
    [InlineData("\"web\", ProbePort = 8080, [|ProbePath = \"/a b\"|]", "not a URL path")]
    [InlineData("\"web\", ProbePort = 8080, [|ProbeStatus = 42|]", "not an HTTP status")]
    [InlineData("[|\"web\"|], ProbePort = 8080, WaitHealthy = true", "one way to know a server is up")]
    [InlineData("[|\"web\"|], ExpectLog = \"\"", "ExpectLog is empty")]
    public void A_probe_no_container_could_pass_is_IDSL0025_at_its_argument(string marked, string message)
    {
        var (arguments, span) = Markers.Extract(marked);
        const string prefix = "using ImageDsl;\n[Image(";
        var result = GeneratorHarness.Run(prefix + arguments +
            ")]\npublic static partial class Web { static Dockerfile Define() => Dockerfile.From(\"busybox\").Cmd(\"httpd\"); }\n");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(DiagnosticIds.InvalidContainerCheck, diagnostic.Id);
        Assert.Equal(prefix.Length + span.Start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(span.Length, diagnostic.Location.SourceSpan.Length);
        Assert.Contains(message, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("ContainerChecks.Expect.[|File(\"/app\", owner: Owner.Name(\"app\"))|]", "use Owner.Id")]
    [InlineData("ContainerChecks.Expect.[|Absent(\"app/x\")|]", "absolute path")]
    public void A_check_that_cannot_be_checked_is_reported_at_its_call(string marked, string message)
    {
        var (checks, span) = Markers.Extract(marked);
        const string prefix = "using ImageDsl;\n[Image(\"app\")]\npublic static partial class App\n{\n    static Dockerfile Define() => Dockerfile.From(\"busybox\").Cmd(\"true\");\n    static ContainerChecks Checks() => ";
        var result = GeneratorHarness.Run(prefix + checks + ";\n}\n");

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(DiagnosticIds.InvalidArgument, diagnostic.Id);
        Assert.Equal(prefix.Length + span.Start, diagnostic.Location.SourceSpan.Start);
        Assert.Contains(message, diagnostic.GetMessage());
    }

    [Fact]
    public void Statement_other_than_locals_and_return_is_reported_where_it_stands()
    {
        const string source = """
            using ImageDsl;
            [Image("app")]
            public static partial class App
            {
                static Dockerfile Define()
                {
                    var image = "busybox";
                    [|if (image.Length > 3) image = "alpine";|]
                    return Dockerfile.From(image);
                }
            }
            """;
        AssertSingle(DiagnosticIds.UnsupportedConstruct, source);
    }

    [Fact]
    public void Class_that_is_not_static_partial_is_reported_at_its_name()
    {
        AssertSingle(DiagnosticIds.ClassNotStaticPartial, """
            using ImageDsl;
            [Image("app")]
            public partial class [|App|] { static Dockerfile Define() => Dockerfile.From("busybox"); }
            """);
    }

    [Fact]
    public void Class_without_Define_is_reported_at_its_name()
    {
        AssertSingle(DiagnosticIds.MissingDefine, """
            using ImageDsl;
            [Image("app")]
            public static partial class [|App|] { static Dockerfile Build() => Dockerfile.From("busybox"); }
            """);
    }

    [Fact]
    public void Invalid_image_name_is_reported_at_the_attribute_argument()
    {
        AssertSingle(DiagnosticIds.InvalidImageName, """
            using ImageDsl;
            [Image([|"Not Valid"|])]
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox"); }
            """);
    }

    [Theory]
    [InlineData("[Image(Names.App)]")]
    [InlineData("[Image(\"app\", Tags = [Names.App])]")]
    [InlineData("[Image]")]
    public void An_attribute_the_compiler_rejects_gets_only_the_compiler_error(string attribute)
    {
        var result = GeneratorHarness.Run($$"""
            using ImageDsl;
            static class Names { public static string App = "app"; }
            {{attribute}}
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox"); }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains(result.CompilerDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", System.StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_image_name_is_reported_at_the_second_attribute()
    {
        AssertSingle(DiagnosticIds.DuplicateImageName, """
            using ImageDsl;
            [Image("app")]
            public static partial class One { static Dockerfile Define() => Dockerfile.From("busybox"); }
            [Image([|"app"|])]
            public static partial class Two { static Dockerfile Define() => Dockerfile.From("busybox"); }
            """);
    }

    [Fact]
    public void Locals_static_fields_consts_and_interpolated_constants_evaluate()
    {
        var result = GeneratorHarness.Run("""
            using ImageDsl;
            [Image("app")]
            public static partial class App
            {
                const string Registry = "127.0.0.1:5000";
                static readonly BuildArg Version = new("VERSION", "1");
                static readonly Dockerfile Build = Dockerfile.From($"{Registry}/base:1").As("build").Run("make");
                static Dockerfile Define()
                {
                    var greeting = "hi" + " there";
                    string[] command = ["echo", greeting];
                    return Dockerfile.From(Build).Arg(Version).Env("V", "v" + Version).Cmd(command).Expose(Port.Udp(53));
                }
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("""FROM 127.0.0.1:5000/base:1 AS build""", result.GeneratedSource("App.ImageDsl.g.cs"));
        Assert.Contains("""CMD [""echo"", ""hi there""]""", result.GeneratedSource("App.ImageDsl.g.cs"));
        Assert.Contains("""ENV V=v${VERSION}""", result.GeneratedSource("App.ImageDsl.g.cs"));
    }

    [Fact]
    public void Static_helpers_of_the_project_and_reusable_step_lambdas_evaluate()
    {
        var result = GeneratorHarness.Run("""
            using System;
            using ImageDsl;
            static class Shared
            {
                public static Dockerfile Base => Dockerfile.From("busybox").As("base").Env("TEAM", "platform");
                public static Dockerfile WithUser(Dockerfile stage, uint id) => stage.User(Owner.Id(id, id));
            }
            [Image("app")]
            public static partial class App
            {
                static Dockerfile Define()
                {
                    Func<Dockerfile, Dockerfile> tools = s => s.Run("install-tools").Env("TOOLS", "yes");
                    return Shared.WithUser(Dockerfile.From(Shared.Base).Apply(tools), 1000).Cmd("run");
                }
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        var text = result.GeneratedSource("App.ImageDsl.g.cs");
        Assert.Contains("FROM busybox AS base", text);
        Assert.Contains("RUN install-tools", text);
        Assert.Contains("USER 1000:1000", text);
    }

    [Fact]
    public void Recursive_helper_is_reported_not_followed_forever()
    {
        var result = GeneratorHarness.Run("""
            using ImageDsl;
            static class Loop { public static Dockerfile Forever(Dockerfile d) => Forever(d.Run("x")); }
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Loop.Forever(Dockerfile.From("busybox")); }
            """);

        Assert.Equal(DiagnosticIds.UnsupportedConstruct, Assert.Single(result.GeneratorDiagnostics).Id);
    }

    private static void AssertSingle(string id, string marked)
    {
        var (source, span) = Markers.Extract(marked);
        var result = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
    }
}

internal static class Markers
{
    /// <summary>Removes one <c>[|…|]</c> pair and returns the text with the span it enclosed.</summary>
    public static (string Text, Microsoft.CodeAnalysis.Text.TextSpan Span) Extract(string marked)
    {
        var start = marked.IndexOf("[|", System.StringComparison.Ordinal);
        var end = marked.IndexOf("|]", start, System.StringComparison.Ordinal);
        var text = marked.Remove(end, 2).Remove(start, 2);
        return (text, new Microsoft.CodeAnalysis.Text.TextSpan(start, end - start - 2));
    }
}
