using System.Linq;
using Xunit;

namespace ImageDsl.Tests.Generator;

/// <summary>
/// The constant is what gets built, so a static field is evaluated only when the program reads its initializer's
/// value at run time. Every case that the generator accepts is compiled and run, and the run-time text must be the
/// constant; every case it refuses gets IDSL0023 at the read that cannot be proved.
/// </summary>
public class FieldProvabilityTests
{
    private const string Image = """
        using ImageDsl;
        [Image("app")]
        public static partial class App
        {
        """;

    public static TheoryData<string, string[]> Refused => new()
    {
        {
            "reassigned in the static constructor",
            [Image + """
                static readonly string Tag = "1";
                static App() { Tag = "2"; }
                static Dockerfile Define() => Dockerfile.From("busybox:" + [|Tag|]);
            }
            """]
        },
        {
            "reassigned in the static constructor of another partial part",
            [Image + """
                static readonly string Tag = "1";
                static Dockerfile Define() => Dockerfile.From("busybox:" + [|Tag|]);
            }
            """, """
            public static partial class App { static App() { Tag = "2"; } }
            """]
        },
        {
            "reassigned in the static constructor of another class that declares it",
            ["""
            using ImageDsl;
            public static class Settings
            {
                public static readonly string Tag = "1";
                static Settings() { Tag = "2"; }
            }
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox:" + [|Settings.Tag|]); }
            """]
        },
        {
            "an array whose element is changed",
            [Image + """
                static readonly string[] Command = ["echo", "one"];
                static Dockerfile Define() => Dockerfile.From("busybox").Cmd([|Command|]);
            }
            """]
        },
        {
            "a field read before it is initialised",
            [Image + """
                static readonly string A = [|B|] + "-a";
                static readonly string B = "b";
                static Dockerfile Define() => Dockerfile.From("busybox").Env("A", A);
            }
            """]
        },
        {
            "a field of another file of the partial type",
            [Image + """
                static readonly string A = [|B|] + "-a";
                static Dockerfile Define() => Dockerfile.From("busybox").Env("A", A);
            }
            """, """
            public static partial class App { static readonly string B = "b"; }
            """]
        },
        {
            "types whose initializers read each other",
            ["""
            using ImageDsl;
            public static class First { public static readonly string Z = "z"; public static readonly string X = Second.Y + "1"; }
            public static class Second { public static readonly string Y = [|First.Z|] + "2"; }
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Dockerfile.From("busybox").Env("X", First.X); }
            """]
        },
        {
            "a field that is not readonly",
            [Image + """
                static string Tag = "1";
                static Dockerfile Define() => Dockerfile.From("busybox:" + [|Tag|]);
            }
            """]
        },
        {
            "a field that refers to itself",
            [Image + """
                static readonly string Tag = [|Tag|] + "1";
                static Dockerfile Define() => Dockerfile.From("busybox:" + Tag);
            }
            """]
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_field_whose_run_time_value_is_not_its_initializer_is_refused_at_the_read(string why, string[] marked)
    {
        var marker = marked.Select((source, file) => (file, extracted: source.Contains("[|") ? Markers.Extract(source) : (source, default))).ToList();
        var (file, (_, span)) = marker.Single(m => marked[m.file].Contains("[|"));
        var result = GeneratorHarness.Run(marker.Select(m => m.extracted.Item1).ToArray());

        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.True(diagnostic.Id == DiagnosticIds.FieldNotProvable, $"{why}: {diagnostic}");
        Assert.Equal($"Source{file}.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Empty(result.ImageSources);
    }

    public static TheoryData<string, string[]> Accepted => new()
    {
        {
            "fields in declaration order, read many times",
            [Image + """
                static readonly string B = "b";
                static readonly string A = B + "-a" + B;
                static readonly Dockerfile Base = Dockerfile.From("busybox").Env("A", A);
                static Dockerfile Define() => Base.Env("B", B).Env("AA", A + A);
            }
            """]
        },
        {
            "a static constructor that leaves the field alone",
            [Image + """
                static readonly string Tag = "1";
                static readonly int Count;
                static App() { Count = 2; }
                static Dockerfile Define() => Dockerfile.From("busybox:" + Tag);
            }
            """]
        },
        {
            "an array built anew by a property",
            [Image + """
                static string[] Command => ["echo", "one"];
                static Dockerfile Define() => Dockerfile.From("busybox").Cmd(Command);
            }
            """]
        },
        {
            "one type reading another without a cycle",
            ["""
            using ImageDsl;
            public static class Versions { public static readonly string Base = "1.36"; public static readonly string Tag = "busybox:" + Base; }
            public static class Images { public static readonly Dockerfile Base = Dockerfile.From(Versions.Tag).Run("true"); }
            [Image("app")]
            public static partial class App { static Dockerfile Define() => Images.Base.Env("TAG", Versions.Tag); }
            """]
        },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_field_whose_value_is_provable_evaluates_to_the_run_time_text(string why, string[] sources)
    {
        var result = GeneratorHarness.Run(sources);

        Assert.True(result.GeneratorDiagnostics.IsEmpty, $"{why}: {string.Join("; ", result.GeneratorDiagnostics)}");
        var image = Assert.Single(CompiledImages.Run(result.Output)!);
        Assert.Null(image.Failure);
        Assert.Equal(image.RunTime, image.Constant);
    }
}
