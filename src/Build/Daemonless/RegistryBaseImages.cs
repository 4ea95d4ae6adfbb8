using System.Text.Json;
using System.Text.Json.Nodes;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Daemonless;

/// <summary>A reference split for the registry API: registry host, repository, and a tag or a digest.</summary>
public sealed record RegistryLocation(string Registry, string Repository, string Reference)
{
    public static RegistryLocation Parse(string reference)
    {
        var at = reference.IndexOf('@');
        var digest = at >= 0 ? reference.Substring(at + 1) : null;
        var parsed = ImageReference.Parse(at >= 0 ? reference.Substring(0, at) : reference);
        return new RegistryLocation(parsed.Registry, parsed.Repository, digest ?? parsed.Tag);
    }
}

/// <summary>
/// Base images straight from their registry: the manifest (an index picks the build's platform), the config and
/// every layer blob, downloaded once into the <see cref="BlobStore"/> (the assembler reads their file trees; an
/// archive output packs them). Docker v2 schema 2 and OCI manifests and indexes are read; layers must be gzip tars.
/// </summary>
public sealed class RegistryBaseImages(BlobStore store, RegistryCredentials credentials, PushPolicy policy, Action<string>? log = null) : IBaseImageSource, IDisposable
{
    /// <summary>Base layers downloaded at the same time: docker's default (<c>max-concurrent-downloads</c>).</summary>
    public const int ConcurrentDownloads = 3;

    private readonly Dictionary<string, RegistryClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _resolved = new(StringComparer.Ordinal);
    private readonly object _logging = new();

    /// <summary>
    /// Each image reference read so far and the digest the registry gave for it (an index's, or the manifest's): what a
    /// daemon that pulled it records in its RepoDigests.
    /// </summary>
    public IReadOnlyDictionary<string, string> Resolved => _resolved;

    public RegistryClient Client(string registry)
    {
        if (!_clients.TryGetValue(registry, out var client))
        {
            client = new RegistryClient(registry, credentials.Find(registry), policy);
            _clients[registry] = client;
        }

        return client;
    }

    /// <summary>Bases read ahead of this build (<see cref="BaseImagesAhead"/>): one asked for is taken from there.</summary>
    public BaseImagesAhead? Ahead { get; init; }

    public async Task<BaseImage> GetAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken)
    {
        if (Ahead is not null && await Ahead.TakeAsync(reference, platform, cancellationToken).ConfigureAwait(false) is { } read)
        {
            BaseImage image;
            try
            {
                // A read that failed fails here, with the coded error the build's own read would have given.
                image = await read.Image.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var message in read.Messages) Log(message);
            }

            if (read.Digest is not null) _resolved[reference] = read.Digest;
            Log($"{reference} was read while the project was published");
            return image;
        }

        return await Valid(reference, () => ReadAsync(reference, RegistryLocation.Parse(reference), platform, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The image's config alone (its manifest, for the platform, and its config blob; no layer).</summary>
    public Task<JsonObject> GetConfigAsync(string reference, ImagePlatform platform, CancellationToken cancellationToken) =>
        Valid(reference, async () => (await ReadConfigAsync(reference, RegistryLocation.Parse(reference), platform, cancellationToken).ConfigureAwait(false)).Config);

    private static async Task<T> Valid<T>(string reference, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or NullReferenceException or FormatException or ArgumentOutOfRangeException)
        {
            // A manifest, index or config without the fields the OCI and Docker specifications require.
            var location = RegistryLocation.Parse(reference);
            throw new ImageDslException(ErrorCodes.RegistryRequestFailed, e, location.Registry, "GET", $"/v2/{location.Repository}/manifests/{location.Reference}",
                "its manifest or config is not a valid image description (" + e.Message + ")");
        }
    }

    private async Task<(RegistryManifest Manifest, JsonObject Document, JsonObject Config)> ReadConfigAsync(string reference, RegistryLocation location, ImagePlatform platform,
        CancellationToken cancellationToken)
    {
        var client = Client(location.Registry);
        var manifest = await client.GetManifestAsync(location.Repository, location.Reference, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageDslException(ErrorCodes.BaseImageNotFound, reference, $"{location.Registry}/{location.Repository}");
        _resolved[reference] = manifest.Digest;
        var top = manifest;
        // containerd's walk: an index gives one entry (nested indexes are walked the same way); an entry that stated no
        // platform must be an image whose config is for the platform. The top manifest itself is taken as it is.
        var checkConfig = false;
        for (var depth = 0; manifest.IsIndex; depth++)
        {
            var entries = Entries(manifest);
            var chosen = depth < 8 ? platform.Choose(entries.Select(e => e.Platform).ToList()) : -1;
            if (chosen < 0) throw new ImageDslException(ErrorCodes.BaseImagePlatformMissing, reference, platform, Platforms(top));
            checkConfig = entries[chosen].Platform is null;
            manifest = await client.GetManifestAsync(location.Repository, entries[chosen].Digest, cancellationToken).ConfigureAwait(false)
                ?? throw new ImageDslException(ErrorCodes.BaseImageNotFound, reference + "@" + entries[chosen].Digest, $"{location.Registry}/{location.Repository}");
        }

        if (manifest.MediaType is not (RegistryClient.DockerManifest or RegistryClient.OciManifest))
        {
            throw new ImageDslException(ErrorCodes.BaseImageLayerUnsupported, reference, "a manifest of type " + manifest.MediaType);
        }

        var document = JsonNode.Parse(manifest.Content)!.AsObject();
        var configDigest = document["config"]!["digest"]!.GetValue<string>();
        await EnsureAsync(client, location, configDigest, cancellationToken).ConfigureAwait(false);
        var config = JsonNode.Parse(await File.ReadAllBytesAsync(store.PathOf(configDigest), cancellationToken).ConfigureAwait(false))!.AsObject();
        if (checkConfig && !new ImagePlatform(config["os"]?.GetValue<string>() ?? "", config["architecture"]?.GetValue<string>() ?? "", null).IsFor(platform))
        {
            throw new ImageDslException(ErrorCodes.BaseImagePlatformMissing, reference, platform, Platforms(top));
        }

        return (manifest, document, config);
    }

    private async Task<BaseImage> ReadAsync(string reference, RegistryLocation location, ImagePlatform platform, CancellationToken cancellationToken)
    {
        var client = Client(location.Registry);
        var (manifest, document, config) = await ReadConfigAsync(reference, location, platform, cancellationToken).ConfigureAwait(false);
        var diffIds = config["rootfs"]?["diff_ids"]?.AsArray().Select(d => d!.GetValue<string>()).ToList() ?? new List<string>();
        var layers = new List<ImageLayer>();
        var descriptors = document["layers"]!.AsArray();
        for (var i = 0; i < descriptors.Count; i++)
        {
            var layer = descriptors[i]!;
            var mediaType = layer["mediaType"]!.GetValue<string>();
            if (!mediaType.EndsWith("gzip", StringComparison.Ordinal)) throw new ImageDslException(ErrorCodes.BaseImageLayerUnsupported, reference, "a layer of type " + mediaType);
            var digest = layer["digest"]!.GetValue<string>();
            layers.Add(new ImageLayer(mediaType, digest, layer["size"]!.GetValue<long>(), diffIds[i], store.PathOf(digest), location.Registry, location.Repository));
        }

        // The layers the cache lacks, side by side (three at a time, as docker pull): on a machine that has never built
        // on this base (a CI runner), its bytes are what the build waits for.
        await Parallel.ForEachAsync(layers.Select(l => l.Digest).Distinct(StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = ConcurrentDownloads, CancellationToken = cancellationToken },
                async (digest, token) => await EnsureAsync(client, location, digest, token, layer: true).ConfigureAwait(false))
            .ConfigureAwait(false);
        return new BaseImage(config, layers, manifest.MediaType == RegistryClient.OciManifest);
    }

    // One message at a time: layers download in parallel, and the caller's log need not be thread-safe.
    private void Log(string message)
    {
        lock (_logging) log?.Invoke(message);
    }

    private async Task EnsureAsync(RegistryClient client, RegistryLocation location, string digest, CancellationToken cancellationToken, bool layer = false)
    {
        if (store.Has(digest)) return;
        Log($"downloading {digest.Substring(0, 19)} from {location.Registry}/{location.Repository}");
        var path = store.PathOf(digest);
        // A layer's entries are read as its bytes arrive (the inflate costs more than the download here) and kept once
        // the digest has matched.
        var entries = await client.DownloadBlobAsync<List<LayerRecord>>(location.Repository, digest, path, layer ? LayerIndex.Scan : null, cancellationToken).ConfigureAwait(false);
        if (entries is not null) LayerIndex.Keep(path, entries);
    }

    private static string Platforms(RegistryManifest index) =>
        string.Join(", ", Entries(index).Where(e => e.Platform is not null).Select(e => e.Platform!.ToString()));

    private static List<(string Digest, ImagePlatform? Platform)> Entries(RegistryManifest index)
    {
        using var document = JsonDocument.Parse(index.Content);
        return document.RootElement.GetProperty("manifests").EnumerateArray().Select(entry =>
        {
            ImagePlatform? platform = null;
            if (entry.TryGetProperty("platform", out var p) && p.TryGetProperty("os", out var os) && p.TryGetProperty("architecture", out var architecture))
            {
                platform = new ImagePlatform(os.GetString() ?? "", architecture.GetString() ?? "",
                    p.TryGetProperty("variant", out var v) && v.GetString() is { Length: > 0 } variant ? variant : null);
            }

            return (entry.GetProperty("digest").GetString()!, platform);
        }).ToList();
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
