using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ImageDsl.Build.Context;

namespace ImageDsl.Build.Daemonless;

/// <summary>A layer ImageDsl wrote: its blob (gzip) in the blob store, the digest and size of the blob, and the digest of the tar (diff id).</summary>
public sealed record WrittenLayer(string Digest, long Size, string DiffId, string BlobPath);

/// <summary>
/// Writes a layer as a tar of the given entries, in path order, every entry with the same time, owners as numbers
/// and no user or group names, the names of one file (<see cref="TreeEntry.Links"/>) after the first as hard links to it
/// — then gzip with a fixed header (no name, no time): the same entries give the same
/// bytes on any machine, so the same diff id and digest. Directories end in '/', as BuildKit writes them.
/// </summary>
public static class LayerWriter
{
    public static async Task<WrittenLayer> WriteAsync(IEnumerable<(string Path, TreeEntry Entry)> entries, long fileTime, BlobStore store, CancellationToken cancellationToken)
    {
        var temporary = store.TemporaryPath();
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var blobHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size;
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var blob = new HashingStream(file, blobHash);
            await using (var gzip = new GZipStream(blob, CompressionLevel.Optimal, leaveOpen: true))
            {
                await using var tar = new GnuTarWriter(new HashingStream(gzip, tarHash));
                var firstNames = new Dictionary<HardLinkGroup, string>();
                foreach (var (path, entry) in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
                {
                    var name = entry.Type == TarEntryType.Directory ? path + "/" : path;
                    var header = new TarHeader(Encoding.UTF8.GetBytes(name), entry.Type, (uint)entry.Mode, entry.Source?.Length ?? 0, fileTime)
                    {
                        LinkName = entry.LinkTarget is null ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(entry.LinkTarget),
                        Uid = entry.Uid,
                        Gid = entry.Gid,
                    };
                    if (entry.Links is { } group && entry.Type == TarEntryType.RegularFile)
                    {
                        // Another name of a file this layer already holds: a hard link to the name written first.
                        if (firstNames.TryGetValue(group, out var first))
                        {
                            await tar.WriteAsync(header with { Type = TarEntryType.HardLink, Size = 0, LinkName = Encoding.UTF8.GetBytes(first) }, null, cancellationToken).ConfigureAwait(false);
                            continue;
                        }

                        firstNames[group] = path;
                    }

                    if (entry.Type == TarEntryType.RegularFile && entry.Source is { } source)
                    {
                        await using var content = source.Open();
                        await tar.WriteAsync(header, content, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await tar.WriteAsync(header with { Size = 0 }, null, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            size = blob.Length;
        }

        var digest = Hex(blobHash);
        return new WrittenLayer(digest, size, Hex(tarHash), store.Commit(temporary, digest));
    }

    private static string Hex(IncrementalHash hash) => "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();

    /// <summary>A write-only stream that hashes what passes through it and counts it.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            _length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>
/// Blobs by digest (blobs/sha256/HEX) under a directory: base image layers downloaded once, layers ImageDsl wrote.
/// The default is the user's cache (IMAGEDSL_CACHE, else ~/.cache/imagedsl), shared by every project like NuGet's.
/// </summary>
public sealed class BlobStore(string root)
{
    public string Root { get; } = root;

    public static BlobStore Default(Func<string, string?> environment) =>
        new(environment("IMAGEDSL_CACHE") is { Length: > 0 } configured ? configured
            : Path.Combine(environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "imagedsl"));

    public string PathOf(string digest) => Path.Combine(Root, "blobs", "sha256", digest.Substring("sha256:".Length));

    public bool Has(string digest) => File.Exists(PathOf(digest));

    public string TemporaryPath()
    {
        var directory = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, Guid.NewGuid().ToString("N"));
    }

    public string Commit(string temporary, string digest)
    {
        var path = PathOf(digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
