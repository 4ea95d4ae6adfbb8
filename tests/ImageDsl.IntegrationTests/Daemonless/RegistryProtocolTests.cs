using System.Text;
using System.Text.Json.Nodes;
using ImageDsl.Build.Context;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// The daemonless push against the real registry, watched through a proxy: a base layer on the same registry is
/// mounted, never uploaded; a blob the repository has is never sent again; the manifest is the last request, so a
/// push whose manifest upload fails leaves no tag.
/// </summary>
public sealed class RegistryProtocolTests : IDisposable
{
    private readonly DirectoryInfo _context = Directory.CreateTempSubdirectory("imagedsl-protocol-");

    public void Dispose() => _context.Delete(recursive: true);

    // The base is read through the same registry address the push goes to (a proxy counts as its own registry).
    private async Task<ImageArtifacts> AssembleAsync(string content, string registry, RegistryCredentials? credentials = null, string extra = "")
    {
        await File.WriteAllTextAsync(Path.Combine(_context.FullName, "file.txt"), content);
        var store = new BlobStore(Path.Combine(Path.GetTempPath(), "imagedsl-parity-store"));
        using var bases = new RegistryBaseImages(store, credentials ?? new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);
        var assembled = await new ImageAssembler(bases, store).AssembleAsync(new AssemblyRequest($"FROM {registry}/base/busybox:1\nCOPY file.txt /file.txt\n" + extra, null,
            new Dictionary<string, string>(), new Dictionary<string, string>(), ContextPacker.List(_context.FullName), ImagePlatform.Parse("linux/amd64"), DateTimeOffset.UnixEpoch, 1),
            CancellationToken.None);
        return ImageArtifacts.Of(assembled);
    }

    [Fact]
    public async Task The_base_layer_is_mounted_known_blobs_are_not_sent_again_and_the_manifest_comes_last()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var image = await AssembleAsync("protocol " + Guid.NewGuid(), proxy.Address);
        var repository = "tests/protocol-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new RegistryClient(proxy.Address, null, PushPolicy.Default);
        var log = new List<string>();

        var outcome = await ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, log.Add, CancellationToken.None);

        Assert.Equal(new PushOutcome(image.ManifestDigest, false), outcome);
        var first = proxy.Requests.SkipWhile(r => !r.Contains(repository, StringComparison.Ordinal)).ToList(); // after the base's reads
        Assert.Contains(first, r => r.StartsWith($"POST /v2/{repository}/blobs/uploads/?mount={image.Image.Layers[0].Digest}".Replace(":", "%3A"), StringComparison.Ordinal)
            || r.StartsWith($"POST /v2/{repository}/blobs/uploads/?mount={image.Image.Layers[0].Digest}", StringComparison.Ordinal));
        Assert.DoesNotContain(first, r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains(image.Image.Layers[0].Digest.Replace(":", "%3A"), StringComparison.Ordinal));
        Assert.StartsWith($"PUT /v2/{repository}/manifests/v1", first[^1]);
        Assert.Contains("layers: 1 mounted, 1 uploaded", log.Single());

        var before = proxy.Requests.Count;
        await ImageOutputs.PushAsync(image, client, repository, new[] { "v2" }, log.Add, CancellationToken.None);
        var second = proxy.Requests.Skip(before).ToList();
        Assert.All(second.SkipLast(1), r => Assert.StartsWith("HEAD ", r));
        Assert.StartsWith($"PUT /v2/{repository}/manifests/v2", second[^1]);
        Assert.Contains("layers: 2 exists", log[^1]);

        // The same image under the same tags again (a reproducible rebuild): one HEAD per tag, nothing else.
        before = proxy.Requests.Count;
        var again = await ImageOutputs.PushAsync(image, client, repository, new[] { "v1", "v2" }, log.Add, CancellationToken.None);
        Assert.True(again.UpToDate);
        Assert.Equal(new[] { $"HEAD /v2/{repository}/manifests/v1", $"HEAD /v2/{repository}/manifests/v2" }, proxy.Requests.Skip(before));
    }

    /// <summary>
    /// A base pinned by digest is exactly that content: when the registry serves another manifest under the digest (its
    /// stored copy rewritten here: the same JSON and a trailing blank, another digest, the same meaning), the daemon's
    /// BuildKit refuses to build on it, and so does the daemonless builder, with IMAGEDSL1011 naming both digests.
    /// </summary>
    [Fact]
    public async Task A_manifest_asked_for_by_digest_must_have_that_digest()
    {
        var repository = "tests/tampered-" + Guid.NewGuid().ToString("N")[..8];
        using var registry = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64", ["os"] = "linux", ["config"] = new JsonObject { ["Labels"] = new JsonObject { ["repository"] = repository } },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() },
        }.ToJsonString());
        await registry.EnsureBlobAsync(repository, RegistryClient.Digest(config), config.Length, () => new MemoryStream(config), null, CancellationToken.None);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = RegistryClient.DockerManifest,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = config.Length, ["digest"] = RegistryClient.Digest(config) },
            ["layers"] = new JsonArray(),
        }.ToJsonString());
        var digest = await registry.PutManifestAsync(repository, RegistryClient.Digest(manifest), RegistryClient.DockerManifest, manifest, CancellationToken.None);
        var reference = $"{TestEngine.Registry}/{repository}@{digest}";
        var dockerfile = $"FROM {reference}\nLABEL built=yes\n";
        using var engine = await TestEngine.ConnectAsync();
        await TestEngine.BuildDaemonlessAsync(engine, "tests/tampered:before", dockerfile); // as pushed, it builds

        var stored = Path.Combine(TestEngine.Get("IMAGEDSL_REGISTRY_STORAGE"), "docker", "registry", "v2", "blobs", "sha256", digest.Substring(7, 2), digest.Substring(7), "data");
        await File.WriteAllBytesAsync(stored, manifest.Concat("\n"u8.ToArray()).ToArray());
        var served = RegistryClient.Digest(manifest.Concat("\n"u8.ToArray()).ToArray());

        await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.BuildAsync(engine, "tests/tampered:daemon", dockerfile, Build.Docker.BuilderKind.BuildKit));
        var e = await Assert.ThrowsAsync<ImageDslException>(() => TestEngine.BuildDaemonlessAsync(engine, "tests/tampered:daemonless", dockerfile));
        Assert.Equal(ErrorCodes.RegistryBlobInvalid, e.Code);
        Assert.Contains($"manifest {digest} of {repository}", e.Message);
        Assert.Contains(served, e.Message);
    }

    [Fact]
    public async Task A_push_whose_manifest_upload_fails_leaves_no_tag_and_is_one_coded_error()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry, drops: 100);
        var image = await AssembleAsync("failing " + Guid.NewGuid(), proxy.Address);
        var repository = "tests/protocol-fail-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new RegistryClient(proxy.Address, null, new PushPolicy(2, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30)));

        var error = await Assert.ThrowsAsync<ImageDslException>(() => ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, _ => { }, CancellationToken.None));

        Assert.Equal(ErrorCodes.RegistryConnectionFailed, error.Code);
        Assert.Equal(2, proxy.Dropped); // retried once, then gave up
        using var direct = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        Assert.Null(await direct.HeadManifestAsync(repository, "v1", CancellationToken.None));
    }

    /// <summary>
    /// The blobs of a push are checked (and mounted or uploaded) at the same time, as docker push does: on a registry
    /// farther away than this machine's, round trips one after another add up. The proxy holds every blob check until
    /// all three (base layer, new layer, config) wait together — which a push that checks them one by one never gets to.
    /// </summary>
    [Fact]
    public async Task The_blobs_of_a_push_are_checked_at_the_same_time()
    {
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        var image = await AssembleAsync("concurrent " + Guid.NewGuid(), proxy.Address);
        proxy.HoldTogether(image.Image.Layers.Select(l => l.Digest).Append(image.ConfigDigest).ToList());
        var repository = "tests/protocol-concurrent-" + Guid.NewGuid().ToString("N")[..8];
        using var client = new RegistryClient(proxy.Address, null, PushPolicy.Default);
        var log = new List<string>();

        var outcome = await ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, log.Add, CancellationToken.None);

        Assert.True(proxy.WereHeldTogether, "the three blob checks never waited at the same time");
        Assert.Equal(3, proxy.Requests.Count(r => r.StartsWith($"HEAD /v2/{repository}/blobs/", StringComparison.Ordinal)));
        Assert.Contains("layers: 1 mounted, 1 uploaded", log.Single());
        using var direct = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        Assert.Equal(outcome.Digest, await direct.HeadManifestAsync(repository, "v1", CancellationToken.None));
    }

    /// <summary>
    /// A base's layers that the cache lacks are downloaded at the same time (as docker pull does): on a machine that has
    /// never built on the base, its bytes are what the build waits for. An image of three layers is read as a base into
    /// an empty cache through a proxy that holds each layer's download until all three wait together.
    /// </summary>
    [Fact]
    public async Task The_layers_of_a_base_are_downloaded_at_the_same_time()
    {
        await File.WriteAllTextAsync(Path.Combine(_context.FullName, "second.txt"), "second " + Guid.NewGuid());
        var image = await AssembleAsync("layers " + Guid.NewGuid(), TestEngine.Registry, extra: "COPY second.txt /second.txt\n");
        var repository = "tests/protocol-layers-" + Guid.NewGuid().ToString("N")[..8];
        using (var client = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default))
        {
            await ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, _ => { }, CancellationToken.None);
        }

        Assert.Equal(3, image.Image.Layers.Count);
        await using var proxy = new RegistryProxy(TestEngine.Registry);
        proxy.HoldTogether(image.Image.Layers.Select(l => l.Digest).ToList());
        var empty = Directory.CreateTempSubdirectory("imagedsl-empty-cache-");
        try
        {
            var store = new BlobStore(empty.FullName);
            using var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default);

            var read = await bases.GetAsync($"{proxy.Address}/{repository}:v1", ImagePlatform.Parse("linux/amd64"), CancellationToken.None);

            Assert.True(proxy.WereHeldTogether, "the three layer downloads never waited at the same time");
            Assert.Equal(image.Image.Layers.Select(l => l.Digest), read.Layers.Select(l => l.Digest));
            Assert.All(read.Layers, layer => Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(layer.BlobPath!))).ToLowerInvariant()));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A token service grants what is asked for, and the registry checks each request against it (pull to read, push to
    /// write, and pull on the repository a mount comes from). Blobs pushed at the same time need tokens for different
    /// scopes: each request keeps the one it was answered with, and each scope is asked for once.
    /// </summary>
    [Fact]
    public async Task A_Bearer_challenge_is_answered_with_a_token_for_the_scope_the_registry_names()
    {
        await using var registry = new BearerRegistry(TestEngine.Registry, "bearer-user", "bearer-secret");
        var credentials = new RegistryCredentials(name => name switch
        {
            RegistryCredentials.UsernameVariable => "bearer-user",
            RegistryCredentials.PasswordVariable => "bearer-secret",
            RegistryCredentials.HostVariable => registry.Address,
            _ => null,
        }, "/nonexistent");
        var image = await AssembleAsync("bearer " + Guid.NewGuid(), registry.Address, credentials); // the base read through the token service too
        var repository = "tests/protocol-bearer-" + Guid.NewGuid().ToString("N")[..8];
        var credential = new RegistryCredential("bearer-user", "bearer-secret", false, "test");
        using var client = new RegistryClient(registry.Address, credential, PushPolicy.Default);
        var tokensBefore = registry.Tokens.Count;
        var log = new List<string>();

        var digest = (await ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, log.Add, CancellationToken.None)).Digest;

        Assert.Equal(image.ManifestDigest, digest);
        Assert.Contains("layers: 1 mounted, 1 uploaded", log.Single());
        Assert.Contains($"repository:{repository}:pull", registry.Scopes);
        Assert.Contains("repository:base/busybox:pull", registry.Scopes); // asked for with the mount
        // Each scope asked for once, however many requests needed it at the same time: the tag's check (pull), the
        // mount (push, and pull where it comes from), perhaps the uploads (push; the mount's token also serves them).
        var tokens = registry.Tokens.Skip(tokensBefore).ToList();
        Assert.Equal(tokens.Distinct().Count(), tokens.Count);
        Assert.Contains(tokens, t => t.Contains($"repository:{repository}:pull,push", StringComparison.Ordinal) && t.Contains("repository:base/busybox:pull", StringComparison.Ordinal));
        Assert.True(registry.Challenges >= 1);
        using var direct = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        Assert.Equal(digest, await direct.HeadManifestAsync(repository, "v1", CancellationToken.None));

        using var wrong = new RegistryClient(registry.Address, credential with { Secret = "wrong" }, PushPolicy.Default);
        var error = await Assert.ThrowsAsync<ImageDslException>(() => ImageOutputs.PushAsync(image, wrong, repository, new[] { "v2" }, _ => { }, CancellationToken.None));
        Assert.Equal(ErrorCodes.RegistryDenied, error.Code);
        Assert.DoesNotContain("wrong", error.Message); // the secret is never shown
    }

    /// <summary>
    /// A token service that answers the right credentials with something else than a token (an HTML login page of a
    /// proxy, JSON without one) is IMAGEDSL1010 naming the token service and what was missing — not IMAGEDSL1009, which
    /// would send the user to check credentials that are right.
    /// </summary>
    [Theory]
    [InlineData("<html><body>Sign in</body></html>")]
    [InlineData("{\"token\": 42}")]
    [InlineData("[]")]
    public async Task A_token_service_answer_without_a_token_is_one_coded_error_naming_it(string answer)
    {
        await using var registry = new BearerRegistry(TestEngine.Registry, "bearer-user", "bearer-secret", tokenAnswer: answer);
        var image = await AssembleAsync("no token " + Guid.NewGuid(), TestEngine.Registry);
        using var client = new RegistryClient(registry.Address, new RegistryCredential("bearer-user", "bearer-secret", false, "test"), PushPolicy.Default);

        var error = await Assert.ThrowsAsync<ImageDslException>(() =>
            ImageOutputs.PushAsync(image, client, "tests/protocol-no-token", new[] { "v1" }, _ => { }, CancellationToken.None));

        Assert.Equal(ErrorCodes.RegistryRequestFailed, error.Code);
        Assert.Contains($"http://{registry.Address}/token", error.Message);
        Assert.Contains("without a token", error.Message);
        Assert.DoesNotContain("bearer-secret", error.Message);
    }

    [Fact]
    public async Task Basic_credentials_from_the_environment_push_to_the_protected_registry()
    {
        var image = await AssembleAsync("basic " + Guid.NewGuid(), TestEngine.Registry);
        var repository = "tests/protocol-basic-" + Guid.NewGuid().ToString("N")[..8];
        var credentials = new RegistryCredentials(name => name switch
        {
            RegistryCredentials.UsernameVariable => TestEngine.AuthRegistryUser,
            RegistryCredentials.PasswordVariable => TestEngine.AuthRegistryPassword,
            RegistryCredentials.HostVariable => TestEngine.AuthRegistry,
            _ => null,
        }, "/nonexistent");
        using var client = new RegistryClient(TestEngine.AuthRegistry, credentials.Find(TestEngine.AuthRegistry), PushPolicy.Default);

        var digest = (await ImageOutputs.PushAsync(image, client, repository, new[] { "v1" }, _ => { }, CancellationToken.None)).Digest;

        Assert.Equal(image.ManifestDigest, digest);
        using var anonymous = new RegistryClient(TestEngine.AuthRegistry, null, PushPolicy.Default);
        var error = await Assert.ThrowsAsync<ImageDslException>(() => anonymous.GetManifestAsync(repository, "v1", CancellationToken.None));
        Assert.Equal(ErrorCodes.RegistryDenied, error.Code);
    }
}
