using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Context;

/// <summary>One entry of a build context, as the tar will hold it.</summary>
public sealed record ContextEntry(string RelativePath, string FullPath, TarEntryType Type, UnixFileMode Mode, DateTimeOffset Modified, long Length, string? LinkTarget);

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
    /// <summary>The entries with the Dockerfile under the default name and the context's own .dockerignore.</summary>
    public static ContextLayout Plain(IReadOnlyList<ContextEntry> entries) => new(entries, ContextPacker.DockerfileName, null);
}

/// <summary>
/// Packs a build context as the docker CLI does: the context directory minus what .dockerignore excludes (the
/// Dockerfile and .dockerignore are always sent), directories and files with their modes, symbolic links stored as
/// links and never followed, owner root. The tar is written straight to the output stream, one file at a time, so
/// a large context never sits in memory.
/// </summary>
public static class ContextPacker
{
    /// <summary>The name of the generated Dockerfile inside the context tar.</summary>
    public const string DockerfileName = ".imagedsl.Dockerfile";

    public static IReadOnlyList<ContextEntry> List(string contextDirectory, ContextExclusions? exclusions = null)
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
        try
        {
            Walk(new DirectoryInfo(contextDirectory), "", ignore, skipped, entries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDslException(ErrorCodes.ContextUnreadable, e, contextDirectory, e.Message);
        }

        return entries;
    }

    public static async Task WriteAsync(ContextLayout layout, string dockerfile, Stream output, CancellationToken cancellationToken)
    {
        // GNU entries, not PAX: BuildKit's Engine API path decides "tar or bare Dockerfile" from the first 512-byte
        // block, and a PAX extended header there makes it read the whole tar as a Dockerfile. GNU long-name records
        // keep long and non-ASCII paths exact without that.
        await using var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        var dockerfileBytes = Encoding.UTF8.GetBytes(dockerfile);
        var dockerfileEntry = new GnuTarEntry(TarEntryType.RegularFile, layout.DockerfileName)
        {
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = new MemoryStream(dockerfileBytes),
        };
        await writer.WriteEntryAsync(dockerfileEntry, cancellationToken).ConfigureAwait(false);
        if (layout.Dockerignore is { } ignoreText && !layout.Entries.Any(e => e.RelativePath == ".dockerignore"))
        {
            await writer.WriteEntryAsync(SyntheticDockerignore(ignoreText), cancellationToken).ConfigureAwait(false);
        }

        foreach (var entry in layout.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.RelativePath == ".dockerignore" && layout.Dockerignore is { } replaced)
            {
                var replacement = SyntheticDockerignore(replaced);
                replacement.Mode = entry.Mode;
                await writer.WriteEntryAsync(replacement, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var name = entry.Type == TarEntryType.Directory ? entry.RelativePath + "/" : entry.RelativePath;
            var tarEntry = new GnuTarEntry(entry.Type, name)
            {
                Mode = entry.Mode,
                ModificationTime = entry.Modified,
                Uid = 0,
                Gid = 0,
            };
            if (entry.Type == TarEntryType.SymbolicLink) tarEntry.LinkName = entry.LinkTarget!;
            if (entry.Type == TarEntryType.RegularFile)
            {
                await using var data = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan | FileOptions.Asynchronous);
                tarEntry.DataStream = data;
                await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static GnuTarEntry SyntheticDockerignore(string text) => new(TarEntryType.RegularFile, ".dockerignore")
    {
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        ModificationTime = DateTimeOffset.UnixEpoch,
        DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
    };

    /// <summary>
    /// A digest of everything that decides the build's result: the Dockerfile, the build settings, and every
    /// context entry's path, type, mode, link target and content. Equal stamps mean the daemon would build the same
    /// image, so the build can be skipped. Modification times are left out on purpose: a checkout or touch that does
    /// not change bytes must not trigger a rebuild.
    /// </summary>
    public static string Stamp(IReadOnlyList<ContextEntry> entries, string dockerfile, string settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Add(dockerfile);
        Add(settings);
        var buffer = new byte[81920];
        foreach (var entry in entries)
        {
            Add(entry.RelativePath);
            Add(entry.Type + " " + (int)entry.Mode + " " + entry.LinkTarget);
            if (entry.Type != TarEntryType.RegularFile) continue;
            using var file = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, read);
            Add("");
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static void Walk(DirectoryInfo directory, string prefix, DockerIgnore ignore, HashSet<string> skipped, List<ContextEntry> entries)
    {
        var children = directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal);
        foreach (var info in children)
        {
            var relative = prefix.Length == 0 ? info.Name : prefix + "/" + info.Name;
            if (prefix.Length == 0 && info.Name == DockerfileName) continue;
            if (skipped.Contains(relative)) continue;
            var alwaysSent = prefix.Length == 0 && info.Name == ".dockerignore";
            var isLink = info.LinkTarget is not null;
            var isDirectory = !isLink && info is DirectoryInfo;
            if (!alwaysSent && ignore.IsExcluded(relative))
            {
                if (isDirectory && !ignore.CanSkipDirectory(relative)) Walk((DirectoryInfo)info, relative, ignore, skipped, entries);
                continue;
            }

            var mode = OperatingSystem.IsWindows() ? (isDirectory ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4) : info.UnixFileMode;
            if (isLink)
            {
                entries.Add(new ContextEntry(relative, info.FullName, TarEntryType.SymbolicLink, mode, info.LastWriteTimeUtc, 0, info.LinkTarget));
            }
            else if (isDirectory)
            {
                entries.Add(new ContextEntry(relative, info.FullName, TarEntryType.Directory, mode, info.LastWriteTimeUtc, 0, null));
                Walk((DirectoryInfo)info, relative, ignore, skipped, entries);
            }
            else if (info is FileInfo file)
            {
                entries.Add(new ContextEntry(relative, info.FullName, TarEntryType.RegularFile, mode, info.LastWriteTimeUtc, file.Length, null));
            }
        }
    }
}
