using System.Formats.Tar;
using ImageDsl.Build.Context;
using Xunit;

namespace ImageDsl.IntegrationTests.Engine;

public sealed class ContextPackerTests : IDisposable
{
    private readonly DirectoryInfo _context = Directory.CreateTempSubdirectory("imagedsl-pack-");
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("imagedsl-outside-");

    public void Dispose()
    {
        _context.Delete(true);
        _outside.Delete(true);
    }

    [Fact]
    public void What_ImageDsl_adds_appears_under_imagedsl_in_walk_order_regardless_of_dockerignore()
    {
        Write(".dockerignore", "*\n!app\n!-early.txt\n");
        Write("app/a.txt", "a");
        Write("-early.txt", "sorts before '.'");
        var additions = System.IO.Path.Combine(_outside.FullName, "context");
        Write(System.IO.Path.Combine(additions, "publish", "self", "App.dll"), "app");
        Write(System.IO.Path.Combine(additions, "feed", "imagedsl.0.1.0.nupkg"), "package");

        var entries = ContextAdditions.Add(ContextPacker.List(_context.FullName), additions, "test", _context.FullName, CancellationToken.None);

        Assert.Equal(new[] { "-early.txt", ".dockerignore", ".imagedsl", ".imagedsl/feed", ".imagedsl/feed/imagedsl.0.1.0.nupkg", ".imagedsl/publish",
            ".imagedsl/publish/self", ".imagedsl/publish/self/App.dll", "app", "app/a.txt" }, entries.Select(e => e.RelativePath));
        Assert.Equal(System.IO.Path.Combine(additions, "publish", "self", "App.dll"), entries.Single(e => e.RelativePath.EndsWith("App.dll", StringComparison.Ordinal)).FullPath);
        var mount = ContextAdditions.Mount(additions)!;
        var directory = new ImageDsl.Build.Session.SyncedDirectory("context", _context.FullName, Array.Empty<byte[]>(), new[] { mount });
        Assert.Equal(System.IO.Path.Combine(additions, "publish", "self", "App.dll"), directory.PathOf(".imagedsl/publish/self/App.dll"));
        Assert.Equal(System.IO.Path.Combine(_context.FullName, "app", "a.txt"), directory.PathOf("app/a.txt"));

        Write(".imagedsl/mine.txt", "the user's own");
        Write(".dockerignore", "");
        var taken = Assert.Throws<ImageDsl.Build.Diagnostics.ImageDslException>(() =>
            ContextAdditions.Add(ContextPacker.List(_context.FullName), additions, "test", _context.FullName, CancellationToken.None));
        Assert.Equal(ImageDsl.Build.Diagnostics.ErrorCodes.ContextFolderTaken, taken.Code);
    }

    /// <summary>
    /// NuGet configurations in a host publish output, in every spelling NuGet reads and at any depth; the same name in
    /// the context itself (where DotNet.InImagePublish's restore needs it) or as a folder is not one.
    /// </summary>
    [Fact]
    public void Nuget_configs_of_a_host_publish_are_found_in_any_spelling_and_folder()
    {
        Write("NuGet.Config", "the context's own, for a restore in the image");
        var additions = System.IO.Path.Combine(_outside.FullName, "context");
        Write(System.IO.Path.Combine(additions, "publish", "self", "NuGet.Config"), "<configuration />");
        Write(System.IO.Path.Combine(additions, "publish", "self", "nuget.config.bak"), "not NuGet's");
        Write(System.IO.Path.Combine(additions, "publish", "self", "nuget.config", "inside.txt"), "a folder of that name");
        Write(System.IO.Path.Combine(additions, "publish", "..+2FApi+2FApi.csproj", "conf", "nuget.config"), "<configuration />");

        var found = ShippedNuGetConfigs.InHostPublish(ContextAdditions.Add(ContextPacker.List(_context.FullName), additions, "test", _context.FullName, CancellationToken.None));

        Assert.Equal(new[] { ("..+2FApi+2FApi.csproj", "conf/nuget.config"), ("self", "NuGet.Config") }, found);
    }

    /// <summary>
    /// NuGet configurations a DotNet.InImagePublish stage's publish ships: the published project's items that are one,
    /// that `dotnet publish` copies (CopyToPublishDirectory, or CopyToOutputDirectory where that is not set, as the SDK
    /// defaults it) and that the context sends — not another project's, not one .dockerignore keeps out, not one a
    /// stage of another target publishes.
    /// </summary>
    [Fact]
    public void Nuget_configs_an_in_image_publish_ships_are_the_published_projects_items_the_context_sends()
    {
        Write(".dockerignore", "web/ignored/\n");
        Write("web/Web.csproj", "<Project />");
        Write("web/NuGet.Config", "<configuration />");
        Write("web/conf/nuget.config", "<configuration />");
        Write("web/kept/nuget.config", "<configuration />");
        Write("web/ignored/nuget.config", "<configuration />");
        Write("web/other/NuGet.config", "<configuration />");
        Write("lib/nuget.config", "<configuration />");
        var web = Path("web/Web.csproj");
        var items = new[]
        {
            new PublishItem(web, Path("web/NuGet.Config"), "PreserveNewest", ""),  // the Web SDK's Content
            new PublishItem(web, Path("web/conf/nuget.config"), "", "Always"),      // published as copied to the output
            new PublishItem(web, Path("web/kept/nuget.config"), "Never", "Always"),  // <Content Update=… CopyToPublishDirectory="Never" />
            new PublishItem(web, Path("web/ignored/nuget.config"), "Always", ""),   // not in the context
            new PublishItem(web, Path("web/other/NuGet.config"), "", ""),           // a None item: not published
            new PublishItem(Path("lib/Lib.csproj"), Path("lib/nuget.config"), "Always", ""), // another project's
        };
        var entries = ContextPacker.List(_context.FullName);
        var stages = new[]
        {
            new ImageDsl.Build.Metadata.ManifestStage("other", ImageDsl.Build.Metadata.PathPart.Literal("sdk"), Array.Empty<int>(), Publishes: "lib/Lib.csproj"),
            new ImageDsl.Build.Metadata.ManifestStage("publish", ImageDsl.Build.Metadata.PathPart.Literal("sdk"), Array.Empty<int>(), Publishes: "web/Web.csproj"),
            new ImageDsl.Build.Metadata.ManifestStage(null, ImageDsl.Build.Metadata.PathPart.Literal("busybox"), new[] { 1 }),
        };
        var manifest = ImageDsl.Build.Metadata.ImageManifest.Empty with { Stages = stages };

        Assert.Equal(new[] { (0, "lib/Lib.csproj", "nuget.config"), (1, "web/Web.csproj", "NuGet.Config"), (1, "web/Web.csproj", "conf/nuget.config") },
            ShippedNuGetConfigs.InImagePublish(manifest, _context.FullName, entries, items));
        Assert.Equal(new[] { (1, "web/Web.csproj", "NuGet.Config"), (1, "web/Web.csproj", "conf/nuget.config") }, // the last stage's build
            ShippedNuGetConfigs.InImagePublish(manifest.ForTarget(null), _context.FullName, entries, items));
        Assert.True(ShippedNuGetConfigs.NextTo(web));
        Write("app/App.csproj", "<Project />");
        Write("app/sub/nuget.config", "<configuration />"); // not one a restore of App.csproj reads
        Assert.False(ShippedNuGetConfigs.NextTo(Path("app/App.csproj")));
    }

    /// <summary>A literal source that is on disk but left out by .dockerignore: IMAGEDSL2010 says which of the two it is.</summary>
    [Theory]
    [InlineData("ignored.txt", "from its build context {0}, but .dockerignore (or ImageDsl's rule for bin/ and obj/) leaves it out of the context, where it is on disk.")]
    [InlineData("absent.txt", "from its build context {0}, but there is no such file or directory.")]
    public void A_literal_source_the_context_does_not_send_is_IMAGEDSL2010_saying_why(string source, string reason)
    {
        Write(".dockerignore", "ignored.txt\n");
        Write("ignored.txt", "on disk");
        var reads = new[] { new ImageDsl.Build.Metadata.ContextPath(0, false, ImageDsl.Build.Metadata.PathPart.Literal(source)) };

        var error = Assert.Throws<ImageDsl.Build.Diagnostics.ImageDslException>(() =>
            ContextReads.RequireLiteralSources("test", reads, new Dictionary<string, string>(), ContextPacker.List(_context.FullName), _context.FullName));

        Assert.Equal(ImageDsl.Build.Diagnostics.ErrorCodes.ContextSourceMissing, error.Code);
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, reason, _context.FullName), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Packs_like_the_docker_cli()
    {
        Write("app/run.sh", "#!/bin/sh\necho run\n");
        File.SetUnixFileMode(Path(("app/run.sh")), (UnixFileMode)0b111_101_101);
        Write("app/data.txt", "data");
        Write("ignored/big.bin", "x");
        Write("notes.md", "n");
        Write(".dockerignore", "ignored\n*.md\n.dockerignore\n");
        Write(System.IO.Path.Combine(_outside.FullName, "secret.txt"), "outside the context");
        File.CreateSymbolicLink(Path("app/link-out"), System.IO.Path.Combine(_outside.FullName, "secret.txt"));
        File.CreateSymbolicLink(Path("app/link-in"), "data.txt");
        PosixFiles.CreateHardLink(Path("app/data-again"), Path("app/data.txt"));

        var entries = await ReadTarAsync(ContextPacker.List(_context.FullName), "FROM scratch\n");

        Assert.Equal("FROM scratch\n", entries[ContextPacker.DockerfileName].Content);
        Assert.Contains(".dockerignore", entries.Keys); // always sent, even when it excludes itself
        Assert.DoesNotContain("ignored/", entries.Keys);
        Assert.DoesNotContain("ignored/big.bin", entries.Keys);
        Assert.DoesNotContain("notes.md", entries.Keys);
        Assert.Equal((UnixFileMode)0b111_101_101, entries["app/run.sh"].Mode);
        Assert.Equal(TarEntryType.SymbolicLink, entries["app/link-out"].Type);
        Assert.Equal(System.IO.Path.Combine(_outside.FullName, "secret.txt"), entries["app/link-out"].LinkName);
        Assert.Null(entries["app/link-out"].Content); // stored as a link, never followed
        Assert.Equal("data.txt", entries["app/link-in"].LinkName);
        Assert.Equal(TarEntryType.Directory, entries["app/"].Type);
        // A file's names: the first in walk order carries it, the later ones are hard links to it.
        Assert.Equal("data", entries["app/data-again"].Content);
        Assert.Equal((TarEntryType.HardLink, "app/data-again", (string?)null), (entries["app/data.txt"].Type, entries["app/data.txt"].LinkName, entries["app/data.txt"].Content));
        Assert.All(entries.Values, e => Assert.Equal(0, e.Uid));
    }

    [Fact]
    public void Stamp_ignores_timestamps_but_not_content_mode_or_hard_links()
    {
        Write("a.txt", "one");
        string Stamp() => ContextPacker.Stamp(ContextPacker.List(_context.FullName), "FROM scratch\n", "settings");
        var first = Stamp();

        File.SetLastWriteTimeUtc(Path("a.txt"), DateTime.UtcNow.AddHours(-5));
        Assert.Equal(first, Stamp());

        Write("a.txt", "two");
        var changed = Stamp();
        Assert.NotEqual(first, changed);

        File.SetUnixFileMode(Path("a.txt"), (UnixFileMode)0b111_000_000);
        Assert.NotEqual(changed, Stamp());
        Assert.NotEqual(Stamp(), ContextPacker.Stamp(ContextPacker.List(_context.FullName), "FROM busybox\n", "settings"));

        // Two names of one file build another image than two files with the same bytes.
        Write("b.txt", File.ReadAllText(Path("a.txt")));
        File.SetUnixFileMode(Path("b.txt"), File.GetUnixFileMode(Path("a.txt")));
        var copies = Stamp();
        File.Delete(Path("b.txt"));
        PosixFiles.CreateHardLink(Path("b.txt"), Path("a.txt"));
        Assert.NotEqual(copies, Stamp());
    }

    private string Path(string relative) => System.IO.Path.Combine(_context.FullName, relative);

    private void Write(string relative, string content)
    {
        var path = System.IO.Path.IsPathRooted(relative) ? relative : Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static async Task<Dictionary<string, (TarEntryType Type, UnixFileMode Mode, string LinkName, string? Content, int Uid)>> ReadTarAsync(IReadOnlyList<ContextEntry> context, string dockerfile)
    {
        using var buffer = new MemoryStream();
        await ContextPacker.WriteAsync(ContextLayout.Plain(context), dockerfile, buffer, CancellationToken.None);
        buffer.Position = 0;
        var entries = new Dictionary<string, (TarEntryType, UnixFileMode, string, string?, int)>();
        using var reader = new TarReader(buffer);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            string? content = entry.DataStream is null ? null : await new StreamReader(entry.DataStream).ReadToEndAsync();
            entries[entry.Name] = (entry.EntryType, entry.Mode, entry.LinkName, content, entry.Uid);
        }

        return entries;
    }
}
