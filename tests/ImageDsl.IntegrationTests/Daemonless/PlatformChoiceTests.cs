using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Docker.DotNet;
using ImageDsl.Build.Context;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Docker;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// Which image of a base index a build for a platform stands on, judged by the daemon's BuildKit: indexes whose
/// entries (one small image each, labelled with its own platform) are listed in orders that a first-match rule gets
/// wrong are pushed to the loopback registry, each is built FROM for a platform with both builders, and the daemonless
/// image must stand on the same entry and state the same platform. No RUN: nothing of another architecture executes.
/// </summary>
public class PlatformChoiceTests
{
    private const string Repository = "tests/platform-choice";

    public static TheoryData<string, string> Cases() => new()
    {
        // linux/arm is arm v7: v7 wherever it is listed, else v6, else v5.
        { "linux/arm/v5 linux/arm/v6 linux/arm/v7 linux/amd64", "linux/arm" },
        { "linux/arm/v5 linux/arm/v6 linux/amd64", "linux/arm" },
        { "linux/arm/v7 linux/arm/v5 linux/arm/v6", "linux/arm/v6" },
        // An entry's arm64/v8 is arm64, both ways round.
        { "linux/amd64 linux/arm64/v8", "linux/arm64" },
        { "linux/amd64 linux/arm64", "linux/arm64/v8" },
        // amd64 is not amd64/v2, whichever comes first.
        { "linux/amd64/v2 linux/amd64", "linux/amd64" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_daemonless_builder_stands_on_the_index_entry_the_daemon_chooses(string listed, string platform)
    {
        var (reference, _) = await PushIndexAsync(listed.Split(' '));
        await AssertSameAsync($"FROM {reference}\nLABEL built=yes\n", platform);
    }

    public static TheoryData<string, string?> SingleCases() => new()
    {
        { "linux/amd64/v2", null },
        { "linux/amd64/v2", "linux/amd64" },
        { "linux/arm64/v8", null },
        { "linux/arm64/v8", "linux/arm64" },
        { "linux/arm/v6", null },
        { "linux/arm/v6", "linux/arm" },
        { "linux/arm/v6", "linux/amd64" },
    };

    /// <summary>
    /// A base that is one manifest (not an index) is taken whatever platform its config states, by both; the image
    /// states the platform as the daemon does.
    /// </summary>
    [Theory]
    [MemberData(nameof(SingleCases))]
    public async Task A_base_of_one_manifest_is_taken_as_it_is(string listed, string? platform)
    {
        var (_, entries) = await PushIndexAsync(new[] { listed });
        await AssertSameAsync($"FROM {entries[0]}\nLABEL built=yes\n", platform);
    }

    /// <summary>A FROM scratch image states the platform as the daemon does: linux/arm is arm v7, linux/arm64/v8 is arm64.</summary>
    [Theory]
    [InlineData("linux/arm")]
    [InlineData("linux/arm64/v8")]
    [InlineData("linux/arm/v6")]
    [InlineData(null)]
    public Task A_scratch_image_states_the_platform_as_the_daemon_does(string? platform) => AssertSameAsync("FROM scratch\nLABEL built=yes\n", platform);

    /// <summary>BuildKit's automatic platform arguments for a named platform are its normalized form (linux/arm is arm v7), and so they are without a daemon.</summary>
    [Theory]
    [InlineData("linux/arm")]
    [InlineData("linux/arm64/v8")]
    [InlineData("linux/arm/v6")]
    [InlineData(null)]
    public Task The_automatic_platform_arguments_are_the_daemons(string? platform) =>
        AssertSameAsync("ARG TARGETPLATFORM\nFROM scratch\nARG TARGETPLATFORM\nARG TARGETARCH\nARG TARGETVARIANT\nARG BUILDPLATFORM\nLABEL entry=\"$TARGETPLATFORM|$TARGETARCH|$TARGETVARIANT|$BUILDPLATFORM\"\n", platform);

    /// <summary>
    /// Built by the daemon's BuildKit (for <paramref name="platform"/>, or naming none) and by the daemonless builder:
    /// the same base entry (its label) and the same os/architecture/variant stated.
    /// </summary>
    private static async Task AssertSameAsync(string dockerfile, string? platform)
    {
        using var engine = await TestEngine.ConnectAsync();
        var daemon = await DaemonImageAsync(engine, dockerfile, platform, BuilderKind.BuildKit);

        var context = Directory.CreateTempSubdirectory("imagedsl-platform-");
        try
        {
            var config = (await AssembleAsync(dockerfile, context.FullName, platform)).Config;
            Assert.Equal(daemon, $"entry={config["config"]!["Labels"]!["entry"]} {config["os"]}/{config["architecture"]}/{config["variant"]}");
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    /// <summary>
    /// An index whose entry is itself an index: the daemon's BuildKit walks into it (containerd's images.Manifest is
    /// recursive), and so does the daemonless builder, to the same image.
    /// </summary>
    [Fact]
    public async Task An_index_inside_an_index_is_walked_into_as_the_daemon_walks_it()
    {
        var (inner, _) = await PushIndexAsync(new[] { "linux/arm64", "linux/amd64" });
        using var registry = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        var innerIndex = await registry.GetManifestAsync(Repository, inner[(inner.LastIndexOf(':') + 1)..], CancellationToken.None);
        var outer = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = RegistryClient.DockerManifestList,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = RegistryClient.DockerManifestList, ["size"] = innerIndex!.Content.Length, ["digest"] = innerIndex.Digest,
                ["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" },
            }),
        }.ToJsonString());
        var tag = "nested-" + RegistryClient.Digest(outer).Substring(7, 12);
        await registry.PutManifestAsync(Repository, tag, RegistryClient.DockerManifestList, outer, CancellationToken.None);

        await AssertSameAsync($"FROM {TestEngine.Registry}/{Repository}:{tag}\nLABEL built=yes\n", "linux/amd64");
    }

    /// <summary>
    /// An index entry that states no platform: containerd takes it when no entry states an accepted platform (after
    /// them otherwise) and checks its image's config instead; the daemonless builder the same. Where that config is
    /// for another platform, both refuse.
    /// </summary>
    [Theory]
    [InlineData("linux/arm64 ?linux/amd64", "linux/amd64", true)]
    [InlineData("?linux/arm64 linux/amd64", "linux/amd64", true)]
    [InlineData("?linux/arm/v7", "linux/arm", true)]
    [InlineData("linux/arm64 ?linux/arm64", "linux/amd64", false)]
    public async Task An_entry_without_a_platform_is_taken_as_the_daemon_takes_it(string listed, string platform, bool builds)
    {
        var (index, _) = await PushIndexAsync(listed.Split(' '));
        var dockerfile = $"FROM {index}\nLABEL built=yes\n";
        if (builds)
        {
            await AssertSameAsync(dockerfile, platform);
            return;
        }

        using var engine = await TestEngine.ConnectAsync();
        await Assert.ThrowsAsync<ImageDsl.Build.Diagnostics.ImageDslException>(() => DaemonImageAsync(engine, dockerfile, platform, BuilderKind.BuildKit));
        var context = Directory.CreateTempSubdirectory("imagedsl-platform-");
        try
        {
            var e = await Assert.ThrowsAsync<ImageDsl.Build.Diagnostics.ImageDslException>(() => AssembleAsync(dockerfile, context.FullName, platform));
            Assert.Equal("IMAGEDSL2023", e.Code);
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }

    public static TheoryData<string, string, bool> ClassicCases() => new()
    {
        // An index with the platform itself: the same entry, the same platform stated.
        { "linux/arm/v5 linux/arm/v6 linux/arm/v7 linux/amd64", "linux/arm", false },
        { "linux/arm/v7 linux/arm/v5 linux/arm/v6", "linux/arm/v6", false },
        { "linux/amd64/v2 linux/amd64", "linux/amd64", false },
        { "linux/amd64 linux/arm64", "linux/arm64/v8", false },
        // Without it: another entry (the classic builder takes v5 here, BuildKit v6), another platform stated.
        { "linux/arm/v5 linux/arm/v6 linux/amd64", "linux/arm", true },
        // With it under another name: the classic builder states the entry's arm64/v8, BuildKit linux/arm64.
        { "linux/amd64 linux/arm64/v8", "linux/arm64", true },
        // One manifest: the classic builder states its platform, BuildKit the one built for.
        { "one linux/amd64/v2", "linux/amd64", true },
        { "one linux/arm/v6", "linux/amd64", true },
        // FROM scratch: the classic builder states the daemon's platform.
        { "scratch", "linux/arm", true },
        { "scratch", "linux/amd64", false },
    };

    /// <summary>
    /// With a named platform the classic builder and BuildKit disagree on which base entry to stand on and which
    /// platform the image states; IMAGEDSL2030 refuses a classic build exactly where the two daemon builds differ
    /// (the base's config read from the registry, as the build reads it when the daemon has no copy).
    /// </summary>
    [Theory]
    [MemberData(nameof(ClassicCases))]
    public async Task The_classic_builder_is_refused_exactly_where_its_image_differs_from_BuildKits(string listed, string platform, bool differs)
    {
        var from = listed == "scratch" ? "scratch"
            : listed.StartsWith("one ", StringComparison.Ordinal) ? (await PushIndexAsync(new[] { listed[4..] })).Entries[0]
            : (await PushIndexAsync(listed.Split(' '))).Reference;
        var dockerfile = $"FROM {from}\nLABEL built=yes\n";

        using var engine = await TestEngine.ConnectAsync();
        var images = new List<string>();
        foreach (var builder in new[] { BuilderKind.BuildKit, BuilderKind.Classic })
        {
            images.Add(await DaemonImageAsync(engine, dockerfile, platform, builder));
            // The classic builder pulls the base into the daemon's store; neither the next build nor the check may see it.
            if (from != "scratch") await engine.RemoveImageAsync(from, CancellationToken.None);
        }

        Assert.Equal(differs, images[0] != images[1]);

        var named = ImagePlatform.Parse(platform);
        var check = ClassicCheckAsync(engine, dockerfile, new[] { from }, platform);
        if (!images[0].Equals(images[1], StringComparison.Ordinal))
        {
            var e = await Assert.ThrowsAsync<ImageDsl.Build.Diagnostics.ImageDslException>(() => check);
            Assert.Equal("IMAGEDSL2030", e.Code);
            Assert.Contains($"builds for {named}", e.Message);
        }
        else
        {
            await check;
        }
    }

    /// <summary>
    /// A COPY --from an image for a named platform where that image has no image for the platform itself: BuildKit
    /// copies from the nearest (arm v6 for v7), the classic builder from another (judged: the files differ), and the
    /// classic build is refused; from an image that has the platform, both copy the same and nothing is refused.
    /// </summary>
    [Theory]
    [InlineData("linux/arm/v5 linux/arm/v6", true)]
    [InlineData("linux/arm/v5 linux/arm/v6 linux/arm/v7", false)]
    public async Task A_copy_from_an_image_without_the_platform_itself_is_refused_for_the_classic_builder(string listed, bool differs)
    {
        var (exact, _) = await PushIndexAsync(new[] { "linux/arm/v7" });
        var (copied, _) = await PushIndexAsync(listed.Split(' '));
        var dockerfile = $"FROM {exact}\nCOPY --from={copied} / /from/\n";
        using var engine = await TestEngine.ConnectAsync();
        var files = new List<string>();
        foreach (var builder in new[] { BuilderKind.BuildKit, BuilderKind.Classic })
        {
            var tag = "tests/platform-choice:" + Guid.NewGuid().ToString("N")[..12];
            await DaemonImageAsync(engine, dockerfile, "linux/arm", builder, tag);
            await engine.RemoveImageAsync(copied, CancellationToken.None);
            await engine.RemoveImageAsync(exact, CancellationToken.None);
            var paths = listed.Split(' ').Select(p => new PathQuery("/from/entry-" + p.Replace('/', '-'))).ToList();
            var found = await engine.StatPathsAsync(tag, paths, CancellationToken.None);
            await engine.RemoveImageAsync(tag, CancellationToken.None);
            files.Add(string.Join(" ", found.Where(f => f.Value is not null).Select(f => f.Key.Path)));
        }

        Assert.Equal(differs, files[0] != files[1]);
        var check = ClassicCheckAsync(engine, dockerfile, new[] { exact }, "linux/arm");
        if (differs)
        {
            var e = await Assert.ThrowsAsync<ImageDsl.Build.Diagnostics.ImageDslException>(() => check);
            Assert.Contains($"copies from {copied} for linux/arm/v7", e.Message);
        }
        else
        {
            await check;
        }
    }

    /// <summary>
    /// The classic builder's check of a Dockerfile whose stages are FROM <paramref name="bases"/>, for a named platform,
    /// with each image's config read from the registry as the build reads it when the daemon has no copy.
    /// </summary>
    private static async Task ClassicCheckAsync(DockerEngine engine, string dockerfile, IReadOnlyList<string> bases, string platform)
    {
        var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
        using var registry = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
        var named = ImagePlatform.Parse(platform);
        var manifest = ImageDsl.Build.Metadata.ImageManifest.Empty with
        {
            Stages = bases.Select(b => new ImageDsl.Build.Metadata.ManifestStage(null, ImageDsl.Build.Metadata.PathPart.Literal(b), Array.Empty<int>())).ToArray(),
        };
        async Task<BaseImageConfig?> ConfigOf(string reference)
        {
            var config = await registry.GetConfigAsync(reference, named, CancellationToken.None);
            return new BaseImageConfig(Array.Empty<string>(), null, Array.Empty<string>(), null,
                new ImagePlatform(config["os"]!.GetValue<string>(), config["architecture"]!.GetValue<string>(), config["variant"]?.GetValue<string>()));
        }

        await ClassicBuilderDifferences.CheckAsync("app", dockerfile, null, new Dictionary<string, string>(), manifest, ConfigOf,
            new ContextSources(Array.Empty<ContextEntry>()), null, null, (named, engine.Platform));
    }

    /// <summary>
    /// The base entry (its label) and the platform an image the daemon builds states. The image is tagged
    /// <paramref name="tag"/> when given (and left for the caller), else under a tag of its own and removed.
    /// </summary>
    private static async Task<string> DaemonImageAsync(DockerEngine engine, string dockerfile, string? platform, BuilderKind builder, string? tag = null)
    {
        using var client = new DockerClientBuilder().WithEndpoint(TestEngine.SocketEndpoint.Uri).WithApiVersion(DockerEngine.ApiVersion).Build();
        var context = Directory.CreateTempSubdirectory("imagedsl-platform-");
        var own = tag is null;
        tag ??= "tests/platform-choice:" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await engine.BuildAsync(new BuildRequest(tag, dockerfile, context.FullName, new[] { tag }, new Dictionary<string, string>(), new Dictionary<string, string>(),
                Platform: platform, NetworkMode: TestEngine.NetworkMode), TestEngine.Layout(context.FullName, builder), builder, new ListLog(), CancellationToken.None);
            var image = await client.Images.InspectImageAsync(tag);
            return $"entry={(image.Config?.Labels is { } labels && labels.TryGetValue("entry", out var entry) ? entry : "")} {image.Os}/{image.Architecture}/{image.Variant}";
        }
        finally
        {
            context.Delete(recursive: true);
            if (own) await engine.RemoveImageAsync(tag, CancellationToken.None);
        }
    }

    private static async Task<AssembledImage> AssembleAsync(string dockerfile, string context, string? platform)
    {
        var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
        using var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
        return await new ImageAssembler(bases, store).AssembleAsync(new AssemblyRequest(dockerfile, null, new Dictionary<string, string>(), new Dictionary<string, string>(),
            ContextPacker.List(context), platform is null ? null : ImagePlatform.Parse(platform), DateTimeOffset.UnixEpoch, 1), CancellationToken.None);
    }

    /// <summary>
    /// One image per listed platform (a one-file layer, a config stating the platform and labelled "entry" with the
    /// platform as listed) and a Docker manifest list over them in the listed order (an entry listed "?os/arch" states
    /// no platform); returns its reference and each entry's by digest.
    /// </summary>
    internal static async Task<(string Reference, IReadOnlyList<string> Entries)> PushIndexAsync(IReadOnlyList<string> platforms)
    {
        using var registry = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        var entries = new JsonArray();
        foreach (var spec in platforms)
        {
            // "?os/arch": an image for that platform whose index entry states none.
            var listed = spec.TrimStart('?');
            var parts = listed.Split('/');
            var (layer, diffId) = Layer(listed);
            var layerDigest = RegistryClient.Digest(layer);
            await registry.EnsureBlobAsync(Repository, layerDigest, layer.Length, () => new MemoryStream(layer), null, CancellationToken.None);

            var platform = new JsonObject { ["architecture"] = parts[1], ["os"] = parts[0] };
            if (parts.Length == 3) platform["variant"] = parts[2];
            var config = (JsonObject)platform.DeepClone();
            config["config"] = new JsonObject { ["Labels"] = new JsonObject { ["entry"] = listed } };
            config["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) };
            var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
            await registry.EnsureBlobAsync(Repository, RegistryClient.Digest(configBytes), configBytes.Length, () => new MemoryStream(configBytes), null, CancellationToken.None);

            var manifest = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = RegistryClient.DockerManifest,
                ["config"] = Descriptor("application/vnd.docker.container.image.v1+json", configBytes),
                ["layers"] = new JsonArray(Descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layer)),
            }.ToJsonString());
            var digest = await registry.PutManifestAsync(Repository, RegistryClient.Digest(manifest), RegistryClient.DockerManifest, manifest, CancellationToken.None);
            var entry = Descriptor(RegistryClient.DockerManifest, manifest);
            entry["digest"] = digest;
            if (!spec.StartsWith('?')) entry["platform"] = platform;
            entries.Add(entry);
        }

        var index = Encoding.UTF8.GetBytes(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = RegistryClient.DockerManifestList, ["manifests"] = entries }.ToJsonString());
        var tag = "index-" + RegistryClient.Digest(index).Substring(7, 12);
        await registry.PutManifestAsync(Repository, tag, RegistryClient.DockerManifestList, index, CancellationToken.None);
        return ($"{TestEngine.Registry}/{Repository}:{tag}", entries.Select(e => $"{TestEngine.Registry}/{Repository}@{e!["digest"]!.GetValue<string>()}").ToList());
    }

    private static JsonObject Descriptor(string mediaType, byte[] content) =>
        new() { ["mediaType"] = mediaType, ["size"] = content.Length, ["digest"] = RegistryClient.Digest(content) };

    /// <summary>A gzip layer holding /entry-OS-ARCH[-VARIANT] (the platform as listed), and the digest of its uncompressed tar.</summary>
    private static (byte[] Layer, string DiffId) Layer(string listed)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var content = Encoding.UTF8.GetBytes(listed + "\n");
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "entry-" + listed.Replace('/', '-'))
            {
                DataStream = new MemoryStream(content), Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, ModificationTime = DateTimeOffset.UnixEpoch,
            });
        }

        var gzip = new MemoryStream();
        using (var compress = new GZipStream(gzip, CompressionLevel.Optimal, leaveOpen: true)) compress.Write(tar.ToArray());
        return (gzip.ToArray(), "sha256:" + Convert.ToHexString(SHA256.HashData(tar.ToArray())).ToLowerInvariant());
    }
}
