using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ImageDsl.Build.Daemonless;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;
using Xunit;

namespace ImageDsl.IntegrationTests.Daemonless;

/// <summary>
/// The list of a layer's entries kept next to its blob (BLOB.entries): read from the blob once, then from the file —
/// and from the blob again when the file is damaged. Each test uses blob paths of its own (the list is also kept in
/// memory by path).
/// </summary>
public sealed class LayerIndexTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("imagedsl-layer-index-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static readonly LayerRecord[] Expected =
    {
        new("etc", TarEntryType.Directory, 0b111_101_101, 0, 0, null, 0),
        new("etc/passwd", TarEntryType.RegularFile, 0b110_100_100, 0, 0, null, 5),
        new("app/run.sh", TarEntryType.RegularFile, 0b111_101_000, 1654, 1655, null, 3),
        new("bin/sh", TarEntryType.SymbolicLink, 0b111_111_111, 0, 0, "/bin/busybox", 0),
        new("bin/sh2", TarEntryType.HardLink, 0b111_101_101, 0, 0, "etc/passwd", 0),
        new("opt/.wh.old", TarEntryType.RegularFile, 0b110_100_100, 0, 0, null, 0),
    };

    // A gzip tar of the records; files hold zeros, or random bytes (which do not compress) when asked.
    private string Blob(string name, IReadOnlyList<LayerRecord>? records = null, bool random = false)
    {
        var path = Path.Combine(_directory.FullName, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var record in records ?? Expected)
        {
            var entry = new PaxTarEntry(record.Type, record.Type == TarEntryType.Directory ? "./" + record.Name + "/" : "./" + record.Name)
            {
                Mode = (UnixFileMode)record.Mode, Uid = record.Uid, Gid = record.Gid,
            };
            if (record.Link is not null) entry.LinkName = record.Link;
            if (record.Size > 0) entry.DataStream = new MemoryStream(random ? RandomNumberGenerator.GetBytes((int)record.Size) : new byte[record.Size]);
            tar.WriteEntry(entry);
        }

        return path;
    }

    /// <summary>
    /// A base layer downloaded from the registry has its list made from its bytes as they arrive: the list is next to
    /// the blob as soon as the download returns, as a read of the blob gives it. A layer whose bytes are not its
    /// digest's is neither kept nor listed, even when they break the reader along early (an invalid deflate block), so
    /// that it stops reading while a megabyte still arrives.
    /// </summary>
    [Fact]
    public async Task A_downloaded_layer_is_listed_as_it_arrives_and_one_with_other_bytes_is_neither_kept_nor_listed()
    {
        var expected = Expected.Append(new LayerRecord("data/" + Guid.NewGuid().ToString("N"), TarEntryType.RegularFile, 0b110_100_100, 0, 0, null, 1 << 20)).ToArray();
        var layer = File.ReadAllBytes(Blob("pushed", expected, random: true));
        var repository = "tests/layer-index-" + Guid.NewGuid().ToString("N")[..8];
        var reference = await PushAsync(repository, layer);
        var digest = RegistryClient.Digest(layer);
        var platform = ImagePlatform.Parse("linux/amd64");

        var store = new BlobStore(Path.Combine(_directory.FullName, "store"));
        using (var bases = new RegistryBaseImages(store, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default))
        {
            await bases.GetAsync(reference, platform, CancellationToken.None);
        }

        Assert.Equal(layer, File.ReadAllBytes(store.PathOf(digest)));
        var listed = Path.Combine(_directory.FullName, "listed"); // the kept list, read from a path the memory has not seen
        File.WriteAllText(listed, "not a layer");
        File.Copy(store.PathOf(digest) + ".entries", listed + ".entries");
        Assert.Equal(expected, LayerIndex.Read(listed));

        var stored = Path.Combine(TestEngine.Get("IMAGEDSL_REGISTRY_STORAGE"), "docker", "registry", "v2", "blobs", "sha256", digest.Substring(7, 2), digest.Substring(7), "data");
        var other = layer.ToArray();
        other[10] = 0xFF; // the first deflate block's header: a reserved block type, which no inflate reads past
        await File.WriteAllBytesAsync(stored, other);
        var fresh = new BlobStore(Path.Combine(_directory.FullName, "fresh"));
        using (var bases = new RegistryBaseImages(fresh, new RegistryCredentials(_ => null, "/nonexistent"), PushPolicy.Default))
        {
            var e = await Assert.ThrowsAsync<ImageDslException>(() => bases.GetAsync(reference, platform, CancellationToken.None));
            Assert.Equal(ErrorCodes.RegistryBlobInvalid, e.Code);
            Assert.Contains(RegistryClient.Digest(other), e.Message);
        }

        Assert.False(File.Exists(fresh.PathOf(digest)));
        Assert.False(File.Exists(fresh.PathOf(digest) + ".entries"));
    }

    // The layer as a one-layer linux/amd64 image in the test registry; its reference by tag.
    private static async Task<string> PushAsync(string repository, byte[] layer)
    {
        using var registry = new RegistryClient(TestEngine.Registry, null, PushPolicy.Default);
        byte[] tar;
        using (var inflated = new MemoryStream())
        {
            using (var gzip = new GZipStream(new MemoryStream(layer), CompressionMode.Decompress)) gzip.CopyTo(inflated);
            tar = inflated.ToArray();
        }

        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64", ["os"] = "linux", ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(RegistryClient.Digest(tar)) },
        }.ToJsonString());
        foreach (var blob in new[] { layer, config })
        {
            await registry.EnsureBlobAsync(repository, RegistryClient.Digest(blob), blob.Length, () => new MemoryStream(blob), null, CancellationToken.None);
        }

        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = RegistryClient.DockerManifest,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = config.Length, ["digest"] = RegistryClient.Digest(config) },
            ["layers"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip", ["size"] = layer.Length, ["digest"] = RegistryClient.Digest(layer),
            }),
        }.ToJsonString());
        await registry.PutManifestAsync(repository, "v1", RegistryClient.DockerManifest, manifest, CancellationToken.None);
        return $"{TestEngine.Registry}/{repository}:v1";
    }

    [Fact]
    public void The_entries_are_read_from_the_blob_once_and_then_from_the_file_next_to_it()
    {
        var blob = Blob("first");
        Assert.Equal(Expected, LayerIndex.Read(blob));
        Assert.True(File.Exists(blob + ".entries"));

        // Another blob path whose bytes are no gzip at all, with the first one's list next to it: the list is what is read.
        var other = Path.Combine(_directory.FullName, "second");
        File.WriteAllText(other, "not a layer");
        File.Copy(blob + ".entries", other + ".entries");
        Assert.Equal(Expected, LayerIndex.Read(other));
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("other format")]
    [InlineData("trailing bytes")]
    public void A_damaged_list_is_read_again_from_the_blob_and_written_anew(string damage)
    {
        var original = Blob("original-" + damage.Replace(' ', '-'));
        LayerIndex.Read(original);
        var good = File.ReadAllBytes(original + ".entries");
        var blob = Blob("damaged-" + damage.Replace(' ', '-'));
        File.WriteAllBytes(blob + ".entries", damage switch
        {
            "cut" => good[..(good.Length / 2)],
            "other format" => "[{\"Name\":\"etc\"}]"u8.ToArray(),
            _ => good.Concat(new byte[] { 1, 2, 3 }).ToArray(),
        });

        Assert.Equal(Expected, LayerIndex.Read(blob));
        Assert.Equal(good, File.ReadAllBytes(blob + ".entries"));
    }
}
