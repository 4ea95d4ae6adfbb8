using System.Text;
using ImageDsl.Build.Docker;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// A COPY source string is a literal path (issue: sources read as patterns). Every name holds characters the builders'
/// matchers treat specially, alone and combined, at the start, middle and end, in file and directory names; next to
/// them are decoys that each name would match if it were read as a pattern. Both builders must copy exactly the
/// named file — from the context and --from another stage — and nothing else.
/// </summary>
public sealed class LiteralSourceTests : IClassFixture<LiteralSourceTests.Images>
{
    /// <summary>File names; each is copied alone into /dst/{index}/ and /from/{index}/.</summary>
    public static readonly string[] Names =
    {
        "*", "?", "[", "]", "\\",
        "*start", "mid*dle", "end*",
        "?start", "mid?dle", "end?",
        "[start", "mid[dle", "end[",
        "]start", "mid]dle", "end]",
        "\\start", "mid\\dle", "end\\",
        "[bracket].txt", "[!x].txt", "[^x].txt", "[a-z].txt",
        "star*.txt", "q?.txt",
        "a*b?c[d]e\\f", "\\*", "\\[x]*", "x\\[*",
        "{a,b}.txt", "**",
        "line\nbreak.txt", "carriage\rreturn",
        "-- flag-like", "#hash", " leading blank", "trailing blank ", "$HOME", "quote\"d", "it's", "tab\tname", "grüße日本🐳",
    };

    /// <summary>Files that the names above would match as patterns (e.g. "[bracket].txt" matches "k.txt").</summary>
    public static readonly string[] Decoys =
    {
        "x", "Q", "k.txt", "b.txt", "a.txt", "x.txt", "!.txt", "star-decoy.txt", "star.txt", "qx.txt",
        "Xstart", "midXdle", "endX", "QQstart", "aXbQcdef", "a.b.txt", "decoy",
    };

    /// <summary>Directory names; each holds f.txt and is copied by its own name and as name/f.txt.</summary>
    public static readonly string[] Directories = { "dir*", "dir?x", "[dir]", "d\\ir", "d[1]x", "d*[?]" };

    /// <summary>Decoy directories the names above would match, each with its own f.txt.</summary>
    public static readonly string[] DecoyDirectories = { "dirX", "dirQx", "d", "i", "r", "d1x", "dXx", "dQ" };

    public static TheoryData<int, BuilderKind> FileCases() => Cases(Names.Length);

    public static TheoryData<int, BuilderKind> DirectoryCases() => Cases(Directories.Length);

    private readonly Images _images;

    public LiteralSourceTests(Images images) => _images = images;

    [Theory]
    [MemberData(nameof(FileCases))]
    public void Literal_file_name_copies_exactly_that_file_from_the_context(int index, BuilderKind builder) =>
        Assert.Equal(new[] { ($"/dst/{index}/{Names[index]}", Content(index)) }, _images.Files(builder, $"/dst/{index}/"));

    [Theory]
    [MemberData(nameof(FileCases))]
    public void Literal_file_name_copies_exactly_that_file_from_another_stage(int index, BuilderKind builder) =>
        Assert.Equal(new[] { ($"/from/{index}/{Names[index]}", Content(index)) }, _images.Files(builder, $"/from/{index}/"));

    [Theory]
    [MemberData(nameof(DirectoryCases))]
    public void Literal_directory_name_copies_exactly_that_directory(int index, BuilderKind builder)
    {
        Assert.Equal(new[] { ($"/dir/{index}/f.txt", DirectoryContent(Directories[index])) }, _images.Files(builder, $"/dir/{index}/"));
        Assert.Equal(new[] { ($"/file/{index}/f.txt", DirectoryContent(Directories[index])) }, _images.Files(builder, $"/file/{index}/"));
    }

    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public void Glob_copies_what_the_pattern_matches(BuilderKind builder)
    {
        var copied = _images.Files(builder, "/glob/").Select(f => f.Path).ToArray();
        // star*.txt as a pattern: "star*.txt" itself, "star-decoy.txt" and "star.txt".
        Assert.Equal(new[] { "/glob/star*.txt", "/glob/star-decoy.txt", "/glob/star.txt" }, copied.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(BuilderKind.BuildKit)]
    [InlineData(BuilderKind.Classic)]
    public void A_destination_with_a_line_break_arrives_exactly(BuilderKind builder) =>
        Assert.Equal(new[] { ("/newline/dest\nname", Content(Array.IndexOf(Names, "line\nbreak.txt"))) }, _images.Files(builder, "/newline/"));

    private static TheoryData<int, BuilderKind> Cases(int count)
    {
        var data = new TheoryData<int, BuilderKind>();
        foreach (var builder in new[] { BuilderKind.Classic, BuilderKind.BuildKit })
        {
            for (var i = 0; i < count; i++) data.Add(i, builder);
        }

        return data;
    }

    private static string Content(int index) => $"file-{index}";

    private static string DirectoryContent(string directory) => "dir-" + Convert.ToHexString(Encoding.UTF8.GetBytes(directory));

    public sealed class Images : IAsyncLifetime
    {
        private readonly Dictionary<BuilderKind, (string Path, string Content)[]> _files = new();

        public IEnumerable<(string Path, string Content)> Files(BuilderKind builder, string prefix) =>
            _files[builder].Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(f => f.Path, StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            var context = new Dictionary<string, string>();
            for (var i = 0; i < Names.Length; i++) context[Names[i]] = Content(i);
            foreach (var decoy in Decoys) context[decoy] = "decoy";
            foreach (var directory in Directories.Concat(DecoyDirectories)) context[directory + "/f.txt"] = DirectoryContent(directory);

            var files = Dockerfile.From(TestEngine.BaseImage).As("files").Copy(".", "/src/");
            var stage = Dockerfile.From(TestEngine.BaseImage);
            for (var i = 0; i < Names.Length; i++)
            {
                stage = stage.Copy(Names[i], $"/dst/{i}/").Copy("/src/" + Names[i], $"/from/{i}/", from: files);
            }

            for (var i = 0; i < Directories.Length; i++)
            {
                stage = stage.Copy(Directories[i], $"/dir/{i}/").Copy(Directories[i] + "/f.txt", $"/file/{i}/");
            }

            stage = stage.Copy(Glob.Of("star*.txt"), "/glob/").Copy("line\nbreak.txt", "/newline/dest\nname");

            using var engine = await TestEngine.ConnectAsync();
            foreach (var builder in new[] { BuilderKind.Classic, BuilderKind.BuildKit })
            {
                var tag = $"imagedsl-tests/literal-sources:{builder.ToString().ToLowerInvariant()}";
                await TestEngine.BuildAsync(engine, tag, stage.ToString(), builder, context);
                _files[builder] = await TestEngine.ReadFilesAsync(engine, tag, "/dst", "/from", "/dir", "/file", "/glob", "/newline");
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
