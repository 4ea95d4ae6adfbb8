using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Daemonless;

/// <summary>An assembled image as the registry and archives hold it: config bytes and digest, manifest bytes, digest and media type.</summary>
public sealed record ImageArtifacts(AssembledImage Image, byte[] Config, string ConfigDigest, byte[] Manifest, string ManifestDigest, string ManifestMediaType)
{
    public static ImageArtifacts Of(AssembledImage image)
    {
        var config = Encoding.UTF8.GetBytes(image.Config.ToJsonString());
        var configDigest = RegistryClient.Digest(config);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = image.Oci ? RegistryClient.OciManifest : RegistryClient.DockerManifest,
            ["config"] = new JsonObject
            {
                ["mediaType"] = image.Oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json",
                ["size"] = config.Length,
                ["digest"] = configDigest,
            },
            ["layers"] = new JsonArray(image.Layers.Select(l => (JsonNode)new JsonObject { ["mediaType"] = l.MediaType, ["size"] = l.Size, ["digest"] = l.Digest }).ToArray()),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return new ImageArtifacts(image, config, configDigest, manifestBytes, RegistryClient.Digest(manifestBytes), manifest["mediaType"]!.GetValue<string>());
    }
}

/// <summary>What a push did: the digest the tags point at, and whether the registry already held it under every tag (nothing sent).</summary>
public sealed record PushOutcome(string Digest, bool UpToDate);

/// <summary>An index over one image per platform: Docker's manifest list when every image is a Docker manifest, else an OCI index.</summary>
public sealed record ImageIndex(byte[] Content, string Digest, string MediaType)
{
    public static ImageIndex Of(IReadOnlyList<ImageArtifacts> images)
    {
        var docker = images.All(i => i.ManifestMediaType == RegistryClient.DockerManifest);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = docker ? RegistryClient.DockerManifestList : RegistryClient.OciIndex,
            ["manifests"] = new JsonArray(images.Select(i => (JsonNode)new JsonObject
            {
                ["mediaType"] = i.ManifestMediaType, ["size"] = i.Manifest.Length, ["digest"] = i.ManifestDigest, ["platform"] = ImageOutputs.Platform(i.Image.Platform),
            }).ToArray()),
        };
        var content = Encoding.UTF8.GetBytes(index.ToJsonString());
        return new ImageIndex(content, RegistryClient.Digest(content), index["mediaType"]!.GetValue<string>());
    }
}

/// <summary>
/// Where a daemonless image goes: a registry (blobs first — each checked with a HEAD, mounted from the base image's
/// repository when it is on the same registry, else uploaded — and the manifest last, once per tag, so a failed push
/// tags nothing), or an archive that is both a <c>docker load</c> tarball (manifest.json) and an OCI image layout
/// (oci-layout, index.json, blobs/).
/// </summary>
public static class ImageOutputs
{
    /// <summary>Blobs pushed at the same time: docker's default (<c>max-concurrent-uploads</c>).</summary>
    public const int ConcurrentUploads = 5;

    /// <summary>Every platform's image (blobs, then its manifest by digest), then the index under each tag.</summary>
    public static async Task<PushOutcome> PushIndexAsync(IReadOnlyList<ImageArtifacts> images, ImageIndex index, RegistryClient client, string repository, IReadOnlyList<string> tags,
        Action<string> log, CancellationToken cancellationToken)
    {
        if (await HeldAsync(client, repository, tags, index.Digest, cancellationToken).ConfigureAwait(false)) return new PushOutcome(index.Digest, true);
        foreach (var image in images)
        {
            await PushAsync(image, client, repository, new[] { image.ManifestDigest }, message => log($"{image.Image.Platform}: {message}"), cancellationToken).ConfigureAwait(false);
        }

        var digest = index.Digest;
        foreach (var tag in tags) digest = await client.PutManifestAsync(repository, tag, index.MediaType, index.Content, cancellationToken).ConfigureAwait(false);
        return new PushOutcome(digest, false);
    }

    /// <summary>
    /// Pushes an image under each tag; when every tag already points at this very manifest (a reproducible rebuild), the
    /// HEADs that found it are the only requests.
    /// </summary>
    public static async Task<PushOutcome> PushAsync(ImageArtifacts artifacts, RegistryClient client, string repository, IReadOnlyList<string> tags, Action<string> log,
        CancellationToken cancellationToken)
    {
        if (await HeldAsync(client, repository, tags, artifacts.ManifestDigest, cancellationToken).ConfigureAwait(false)) return new PushOutcome(artifacts.ManifestDigest, true);
        // The layers and the config at the same time (as docker push does, up to five): each is a HEAD and perhaps a
        // mount or an upload, round trips that would otherwise add up on a registry farther away than this machine.
        var blobs = artifacts.Image.Layers.DistinctBy(layer => layer.Digest).Select(layer => (layer.Digest, layer.Size,
                Content: layer.BlobPath is { } path ? () => File.OpenRead(path) : (Func<Stream>?)null,
                MountFrom: layer.Registry == null || IsSameRegistry(layer.Registry, client) ? layer.Repository : null, IsLayer: true))
            .Append((artifacts.ConfigDigest, artifacts.Config.LongLength, () => new MemoryStream(artifacts.Config), null, false)).ToList();
        var outcomes = new string[blobs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs.Count), new ParallelOptions { MaxDegreeOfParallelism = ConcurrentUploads, CancellationToken = cancellationToken },
            async (index, token) => outcomes[index] = await client.EnsureBlobAsync(repository, blobs[index].Digest, blobs[index].Size, blobs[index].Content, blobs[index].MountFrom, token)
                .ConfigureAwait(false)).ConfigureAwait(false);
        var counts = outcomes.Where((_, index) => blobs[index].IsLayer).GroupBy(outcome => outcome, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        log($"layers: {string.Join(", ", counts.Select(c => $"{c.Count()} {c.Key}"))}");
        var digest = artifacts.ManifestDigest;
        foreach (var tag in tags)
        {
            digest = await client.PutManifestAsync(repository, tag, artifacts.ManifestMediaType, artifacts.Manifest, cancellationToken).ConfigureAwait(false);
        }

        return new PushOutcome(digest, false);
    }

    private static async Task<bool> HeldAsync(RegistryClient client, string repository, IReadOnlyList<string> tags, string digest, CancellationToken cancellationToken)
    {
        foreach (var tag in tags)
        {
            if (await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false) != digest) return false;
        }

        return tags.Count > 0;
    }

    private static bool IsSameRegistry(string registry, RegistryClient client) =>
        client.BaseAddress.Authority.Equals(registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The archive of one or several platforms' images: index.json lists them all (with their platforms); manifest.json,
    /// which <c>docker load</c> reads, names <paramref name="loaded"/> (the image this machine runs) under the tags.
    /// </summary>
    /// <param name="heldLayers">Layers the loading daemon already holds (its chain, <see cref="Docker.DockerEngine.HeldLayersAsync"/>):
    /// listed, but their blobs are left out — docker load skips a layer whose chain it has without opening its file. Such an
    /// archive is for that daemon only.</param>
    public static async Task WriteArchiveAsync(IReadOnlyList<ImageArtifacts> images, ImageArtifacts loaded, IReadOnlyList<string> repoTags, Stream output,
        int heldLayers, CancellationToken cancellationToken)
    {
        // A blob the image also needs past the held layers is still written.
        var leftOut = loaded.Image.Layers.Take(heldLayers).Select(l => l.Digest).Except(loaded.Image.Layers.Skip(heldLayers).Select(l => l.Digest), StringComparer.Ordinal);

        var artifacts = loaded;
        static string Blob(string digest) => "blobs/sha256/" + digest.Substring("sha256:".Length);
        var manifestJson = new JsonArray(new JsonObject
        {
            ["Config"] = Blob(artifacts.ConfigDigest),
            ["RepoTags"] = new JsonArray(repoTags.Select(t => (JsonNode)t).ToArray()),
            ["Layers"] = new JsonArray(artifacts.Image.Layers.Select(l => (JsonNode)Blob(l.Digest)).ToArray()),
        });
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = RegistryClient.OciIndex,
            ["manifests"] = new JsonArray(images.Select(image => (JsonNode)new JsonObject
            {
                ["mediaType"] = image.ManifestMediaType,
                ["digest"] = image.ManifestDigest,
                ["size"] = image.Manifest.Length,
                ["platform"] = Platform(image.Image.Platform),
                ["annotations"] = repoTags.Count == 0 ? null : new JsonObject { ["io.containerd.image.name"] = repoTags[0], ["org.opencontainers.image.ref.name"] = repoTags[0].Split(':')[^1] },
            }).ToArray()),
        };

        // Ustar: no PAX extended headers, whose names carry the writing process's id (the archive must be reproducible).
        await using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        async Task AddAsync(string name, Stream content)
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = content, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, ModificationTime = DateTimeOffset.UnixEpoch };
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        await AddAsync("oci-layout", new MemoryStream(Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}")));
        await AddAsync("index.json", new MemoryStream(Encoding.UTF8.GetBytes(index.ToJsonString())));
        await AddAsync("manifest.json", new MemoryStream(Encoding.UTF8.GetBytes(manifestJson.ToJsonString())));
        var written = new HashSet<string>(leftOut, StringComparer.Ordinal);
        foreach (var image in images)
        {
            if (written.Add(image.ManifestDigest)) await AddAsync(Blob(image.ManifestDigest), new MemoryStream(image.Manifest));
            if (written.Add(image.ConfigDigest)) await AddAsync(Blob(image.ConfigDigest), new MemoryStream(image.Config));
            foreach (var layer in image.Image.Layers.Where(l => written.Add(l.Digest)))
            {
                await using var content = File.OpenRead(layer.BlobPath!);
                await AddAsync(Blob(layer.Digest), content);
            }
        }
    }

    internal static JsonObject Platform(ImagePlatform platform)
    {
        var result = new JsonObject { ["architecture"] = platform.Architecture, ["os"] = platform.Os };
        if (platform.Variant is not null) result["variant"] = platform.Variant;
        return result;
    }
}
