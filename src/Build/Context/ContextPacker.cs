using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Context;

/// <summary>
/// One entry of a build context, as the tar will hold it. Paths and link targets are file names as
/// <see cref="FileName"/> keeps them (bytes that are not UTF-8 escaped), so they must reach the file system through
/// <see cref="PosixFiles"/> and the tar through <see cref="FileName.ToBytes"/>.
/// </summary>
public sealed record ContextEntry(string RelativePath, string FullPath, TarEntryType Type, UnixFileMode Mode, DateTimeOffset Modified, long Length, string? LinkTarget)
{
    public uint DeviceMajor { get; init; }

    public uint DeviceMinor { get; init; }

    /// <summary>The file's inode and number of names (hard links), which decide whether a later name is sent as a link (<see cref="HardLinks"/>).</summary>
    public ulong Inode { get; init; }

    /// <inheritdoc cref="Inode"/>
    public uint Links { get; init; } = 1;
}

/// <summary>
/// Folders that are never part of a context (<see cref="Always"/>: ImageDsl's own files under obj/), and folders left
/// out when the context has no .dockerignore (<see cref="WithoutDockerignore"/>: the project's bin/ and obj/). Absolute
/// paths; those outside the context directory do not matter.
/// </summary>
public sealed record ContextExclusions(IReadOnlyList<string> Always, IReadOnlyList<string> WithoutDockerignore)
{
    public static ContextExclusions None { get; } = new(Array.Empty<string>(), Array.Empty<string>());
}

/// <summary>
/// A context as it will be sent: its entries, the name the generated Dockerfile takes in the tar, and the
/// .dockerignore the tar carries when it differs from the context's own (see <see cref="DockerfilePlacement"/>).
/// </summary>
public sealed record ContextLayout(IReadOnlyList<ContextEntry> Entries, string DockerfileName, string? Dockerignore)
{
    /// <summary>Host directories that appear inside the context (<see cref="ContextAdditions"/>), for the session to read from.</summary>
    public IReadOnlyList<Session.DirectoryMount> Mounts { get; init; } = Array.Empty<Session.DirectoryMount>();

    /// <summary>The modification time every entry is sent with (Unix seconds), or null for each file's own.</summary>
    public long? FileTime { get; init; }

    /// <summary>
    /// The same context with every entry's modification time set to <paramref name="seconds"/> (SOURCE_DATE_EPOCH), so
    /// that what COPY writes into a layer does not depend on when the files were checked out: the tar carries the time,
    /// and the session reads it from <see cref="FileTime"/>.
    /// </summary>
    public ContextLayout WithFileTime(long seconds) =>
        this with { Entries = Entries.Select(e => e with { Modified = DateTimeOffset.FromUnixTimeSeconds(seconds) }).ToList(), FileTime = seconds };

    /// <summary>The entries with the Dockerfile under the default name and the context's own .dockerignore.</summary>
    public static ContextLayout Plain(IReadOnlyList<ContextEntry> entries) => new(entries, ContextPacker.DockerfileName, null);
}

/// <summary>
/// Packs a build context as the docker CLI does: the context directory minus what .dockerignore excludes (the
/// Dockerfile and .dockerignore are always sent), directories and files with their modes, symbolic links stored as
/// links whatever they point at (nowhere, or themselves), a file's later names as hard links to its first
/// (<see cref="HardLinks"/>), FIFOs and devices stored as FIFOs and devices — never opened — and sockets left out (the
/// CLI cannot archive them either), owner root, names as their bytes. The tar is written
/// straight to the output stream, one file at a time, so a large context never sits in memory, and cancellation is
/// checked between directories and between chunks of every file.
/// </summary>
public static class ContextPacker
{
    /// <summary>The name of the generated Dockerfile inside the context tar.</summary>
    public const string DockerfileName = ".imagedsl.Dockerfile";

    /// <param name="sockets">Receives the sockets found, which are not part of the context.</param>
    public static IReadOnlyList<ContextEntry> List(string contextDirectory, ContextExclusions? exclusions = null, ICollection<string>? sockets = null,
        CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(contextDirectory)) throw new DirectoryNotFoundException(contextDirectory);
        var ignore = DockerIgnore.Load(contextDirectory);
        exclusions ??= ContextExclusions.None;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in exclusions.Always.Concat(File.Exists(Path.Combine(contextDirectory, ".dockerignore")) ? Array.Empty<string>() : exclusions.WithoutDockerignore))
        {
            var relative = Path.GetRelativePath(contextDirectory, directory).Replace('\\', '/').TrimEnd('/');
            if (relative != "." && !relative.StartsWith("../", StringComparison.Ordinal) && relative != ".." && !Path.IsPathRooted(relative)) skipped.Add(relative);
        }

        var entries = new List<ContextEntry>();
        var walk = new Walker(ignore, skipped, entries, sockets, cancellationToken);
        walk.Directory(Path.GetFullPath(contextDirectory), "");
        return entries;
    }

    public static async Task WriteAsync(ContextLayout layout, string dockerfile, Stream output, CancellationToken cancellationToken)
    {
        await using var writer = new GnuTarWriter(output);
        var dockerfileBytes = Encoding.UTF8.GetBytes(dockerfile);
        const uint ReadWriteReadRead = 0x1A4;
        await writer.WriteAsync(new TarHeader(Encoding.UTF8.GetBytes(layout.DockerfileName), TarEntryType.RegularFile, ReadWriteReadRead, dockerfileBytes.Length, 0),
            new MemoryStream(dockerfileBytes), cancellationToken).ConfigureAwait(false);
        if (layout.Dockerignore is { } ignoreText && !layout.Entries.Any(e => e.RelativePath == ".dockerignore"))
        {
            var ignoreBytes = Encoding.UTF8.GetBytes(ignoreText);
            await writer.WriteAsync(new TarHeader(".dockerignore"u8.ToArray(), TarEntryType.RegularFile, ReadWriteReadRead, ignoreBytes.Length, 0),
                new MemoryStream(ignoreBytes), cancellationToken).ConfigureAwait(false);
        }

        var hardLinks = new HardLinks();
        foreach (var entry in layout.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.RelativePath == ".dockerignore" && layout.Dockerignore is { } replaced)
            {
                var replacement = Encoding.UTF8.GetBytes(replaced);
                await writer.WriteAsync(new TarHeader(".dockerignore"u8.ToArray(), TarEntryType.RegularFile, (uint)entry.Mode, replacement.Length, 0),
                    new MemoryStream(replacement), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var name = FileName.ToBytes(entry.Type == TarEntryType.Directory ? entry.RelativePath + "/" : entry.RelativePath);
            var header = new TarHeader(name, entry.Type, (uint)entry.Mode, entry.Length, entry.Modified.ToUnixTimeSeconds())
            {
                LinkName = entry.LinkTarget is null ? Array.Empty<byte>() : FileName.ToBytes(entry.LinkTarget),
                DeviceMajor = entry.DeviceMajor,
                DeviceMinor = entry.DeviceMinor,
            };
            if (hardLinks.EarlierName(entry.RelativePath, entry.Type == TarEntryType.Directory, entry.Inode, entry.Links) is { } earlier)
            {
                await writer.WriteAsync(header with { Type = TarEntryType.HardLink, Size = 0, LinkName = FileName.ToBytes(earlier) }, null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (entry.Type != TarEntryType.RegularFile)
            {
                await writer.WriteAsync(header, null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using var data = OpenForReading(entry);
            try
            {
                await writer.WriteAsync(header, data, cancellationToken).ConfigureAwait(false);
            }
            catch (TarContentException e)
            {
                throw new ImageDslException(ErrorCodes.ContextUnreadable, e, entry.FullPath, e.Message);
            }
        }
    }

    /// <summary>
    /// A digest of everything that decides the build's result: the Dockerfile, the build settings, and every
    /// context entry's path, type, mode, link target (symbolic or hard) and content. Equal stamps mean the daemon would
    /// build the same image, so the build can be skipped. Modification times are left out on purpose: a checkout or touch that does
    /// not change bytes must not trigger a rebuild.
    /// </summary>
    public static string Stamp(IReadOnlyList<ContextEntry> entries, string dockerfile, string settings, CancellationToken cancellationToken = default,
        Action<long>? hashed = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Add(Encoding.UTF8.GetBytes(dockerfile));
        Add(Encoding.UTF8.GetBytes(settings));
        var buffer = new byte[81920];
        var hardLinks = new HardLinks();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Add(FileName.ToBytes(entry.RelativePath));
            Add(Encoding.UTF8.GetBytes(entry.Type + " " + (int)entry.Mode + " " + entry.DeviceMajor + "," + entry.DeviceMinor));
            Add(entry.LinkTarget is null ? Array.Empty<byte>() : FileName.ToBytes(entry.LinkTarget));
            if (hardLinks.EarlierName(entry.RelativePath, entry.Type == TarEntryType.Directory, entry.Inode, entry.Links) is { } earlier)
            {
                // The same file as an earlier name: sent as a link to it, so that is what decides the image.
                Add(FileName.ToBytes("=" + earlier));
                continue;
            }

            if (entry.Type != TarEntryType.RegularFile) continue;
            using var file = OpenForReading(entry, bufferSize: 1);
            try
            {
                int read;
                while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    hashed?.Invoke(read);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            catch (IOException e)
            {
                throw new ImageDslException(ErrorCodes.ContextUnreadable, e, entry.FullPath, e.Message);
            }

            Add(ReadOnlySpan<byte>.Empty);
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Opens a regular file of the context; one that cannot be opened (or is no longer a regular file) is IMAGEDSL2009.</summary>
    private static FileStream OpenForReading(ContextEntry entry, int bufferSize = 81920)
    {
        try
        {
            return PosixFiles.OpenRead(entry.FullPath, bufferSize);
        }
        catch (IOException e)
        {
            throw new ImageDslException(ErrorCodes.ContextUnreadable, e, entry.FullPath, e.Message);
        }
    }

    /// <summary>
    /// The walk: each directory's names in byte order (as Go's filepath.Walk, fsutil and so the daemon expect), each
    /// entry classified by lstat (statx) — never by opening it.
    /// </summary>
    private sealed class Walker(DockerIgnore ignore, HashSet<string> skipped, List<ContextEntry> entries, ICollection<string>? sockets, CancellationToken cancellationToken)
    {
        public void Directory(string path, string prefix)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<string> names;
            try
            {
                names = PosixFiles.ListDirectory(path);
            }
            catch (IOException e)
            {
                throw new ImageDslException(ErrorCodes.ContextUnreadable, e, path, e.Message);
            }

            names.Sort(FileName.CompareBytes);
            foreach (var name in names)
            {
                var relative = prefix.Length == 0 ? name : prefix + "/" + name;
                if (prefix.Length == 0 && name == DockerfileName) continue;
                if (skipped.Contains(relative)) continue;
                var full = path.TrimEnd('/') + "/" + name;
                FileStatus status;
                try
                {
                    status = FileStatus.Of(full);
                }
                catch (IOException e)
                {
                    throw new ImageDslException(ErrorCodes.ContextUnreadable, e, full, e.Message);
                }

                var alwaysSent = prefix.Length == 0 && name == ".dockerignore";
                var isDirectory = status.Kind == FileKind.Directory;
                if (!alwaysSent && ignore.IsExcluded(relative))
                {
                    if (isDirectory && !ignore.CanSkipDirectory(relative)) Directory(full, relative);
                    continue;
                }

                var mode = (UnixFileMode)status.Permissions;
                var modified = DateTimeOffset.FromUnixTimeSeconds(status.ModifiedSeconds).AddTicks(status.ModifiedNanoseconds / 100);
                ContextEntry Entry(TarEntryType type, long length, string? link) =>
                    new(relative, full, type, mode, modified, length, link) { Inode = status.Inode, Links = status.Links };
                switch (status.Kind)
                {
                    case FileKind.Directory:
                        entries.Add(Entry(TarEntryType.Directory, 0, null));
                        Directory(full, relative);
                        break;
                    case FileKind.SymbolicLink:
                        entries.Add(Entry(TarEntryType.SymbolicLink, 0, ReadLink(full)));
                        break;
                    case FileKind.Regular:
                        entries.Add(Entry(TarEntryType.RegularFile, status.Size, null));
                        break;
                    case FileKind.Fifo:
                        entries.Add(Entry(TarEntryType.Fifo, 0, null));
                        break;
                    case FileKind.CharacterDevice or FileKind.BlockDevice:
                        entries.Add(Entry(status.Kind == FileKind.CharacterDevice ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, 0, null)
                            with { DeviceMajor = status.DeviceMajor, DeviceMinor = status.DeviceMinor });
                        break;
                    case FileKind.Socket:
                        sockets?.Add(relative);
                        break;
                }
            }
        }

        private static string ReadLink(string path)
        {
            try
            {
                return PosixFiles.ReadLink(path);
            }
            catch (IOException e)
            {
                throw new ImageDslException(ErrorCodes.ContextUnreadable, e, path, e.Message);
            }
        }
    }
}
