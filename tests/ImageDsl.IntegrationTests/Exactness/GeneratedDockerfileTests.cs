using ImageDsl.Build.Context;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Metadata;
using Xunit;

namespace ImageDsl.IntegrationTests.Exactness;

/// <summary>
/// No file the user did not put in the context appears in the image (issue: the generated Dockerfile is part of the
/// context). Each case copies the whole context with <c>COPY . /ctx/</c>; what arrives must be exactly the context's
/// files as docker reads them: .dockerignore applied, .dockerignore itself present with its own bytes unless it excludes
/// itself, and nothing of ImageDsl's.
/// </summary>
public class GeneratedDockerfileTests
{
    public static TheoryData<string, BuilderKind> Cases()
    {
        var data = new TheoryData<string, BuilderKind>();
        foreach (var ignore in new[] { "(none)", "*.log\n", ".dockerignore\n*.log\n", "*.log\n.imagedsl.Dockerfile\n", "# a comment only\n*.log\n!keep.log\n", "secret/\n" })
        {
            data.Add(ignore, BuilderKind.Classic);
            data.Add(ignore, BuilderKind.BuildKit);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Copying_the_whole_context_copies_exactly_the_context(string dockerignore, BuilderKind builder)
    {
        var files = new Dictionary<string, string> { ["a.txt"] = "a", ["sub/b.txt"] = "b", ["x.log"] = "log", ["keep.log"] = "kept" };
        if (dockerignore != "(none)") files[".dockerignore"] = dockerignore;
        var directory = Directory.CreateTempSubdirectory("imagedsl-ctx-");
        try
        {
            foreach (var (name, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory.FullName, name))!);
                await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), content);
            }

            var entries = ContextPacker.List(directory.FullName);
            var expected = entries.Where(e => e.Type == System.Formats.Tar.TarEntryType.RegularFile)
                .Where(e => e.RelativePath != ".dockerignore" || !DockerIgnore.Parse(dockerignore).IsExcluded(".dockerignore"))
                .Select(e => ("/ctx/" + e.RelativePath, File.ReadAllText(e.FullPath))).OrderBy(f => f.Item1, StringComparer.Ordinal).ToArray();

            var tag = "imagedsl-tests/whole-context:" + builder.ToString().ToLowerInvariant();
            var dockerfile = Dockerfile.From(TestEngine.BaseImage).Copy(".", "/ctx/").ToString();
            using var engine = await TestEngine.ConnectAsync();
            var request = new BuildRequest(tag, dockerfile, directory.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(), NoCache: true, NetworkMode: TestEngine.NetworkMode);
            await engine.BuildAsync(request, TestEngine.Layout(directory.FullName, builder), builder, new ListLog(), CancellationToken.None);

            var copied = (await TestEngine.ReadFilesAsync(engine, tag, "/ctx")).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, copied);
            Assert.DoesNotContain(copied, f => f.Path.Contains("imagedsl", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            directory.Delete(true);
        }
    }

    [Fact]
    public void Classic_builder_refuses_a_context_whose_dockerignore_leaves_no_way_to_hide_the_Dockerfile_only_when_COPY_could_take_it()
    {
        var directory = Directory.CreateTempSubdirectory("imagedsl-ctx-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, ".dockerignore"), "secret/*.key\n[^a]x\n");
            File.WriteAllText(Path.Combine(directory.FullName, "a.txt"), "a");
            var entries = ContextPacker.List(directory.FullName);
            var none = new Dictionary<string, string>();

            var error = Assert.Throws<ImageDslException>(() => DockerfilePlacement.For(BuilderKind.Classic, "app", entries, directory.FullName, new[] { TestEngine.EverythingRead }, none));
            Assert.Equal(ErrorCodes.DockerfileWouldBeCopied, error.Code);
            Assert.Contains(".dockerignore", error.Message);

            var onlyAFile = new ContextPath(0, false, new[] { new PathPart("a.txt", null, null) });
            Assert.Equal(ContextPacker.DockerfileName, DockerfilePlacement.For(BuilderKind.Classic, "app", entries, directory.FullName, new[] { onlyAFile }, none).DockerfileName);
        }
        finally
        {
            directory.Delete(true);
        }
    }
}
