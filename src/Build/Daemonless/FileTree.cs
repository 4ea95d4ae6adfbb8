using System.Formats.Tar;
using System.IO.Compression;

namespace ImageDsl.Build.Daemonless;

/// <summary>Where a regular file's bytes are: a file of the build context, or an entry of a (gzip) layer blob.</summary>
public abstract record FileSource(long Length)
{
    public abstract Stream Open();
}

public sealed record ContextFileSource(string FullPath, long Length) : FileSource(Length)
{
    public override Stream Open() => new FileStream(FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
}

public sealed record LayerFileSource(string BlobPath, string EntryName, long Length) : FileSource(Length)
{
    public override Stream Open()
    {
        using var reader = new TarReader(new GZipStream(File.OpenRead(BlobPath), CompressionMode.Decompress));
        while (reader.GetNextEntry() is { } entry)
        {
            if (FileTree.Normalize(entry.Name) != EntryName || entry.DataStream is null) continue;
            var copy = new MemoryStream();
            entry.DataStream.CopyTo(copy);
            copy.Position = 0;
            return copy;
        }

        throw new FileNotFoundException($"{EntryName} is not in layer {Path.GetFileName(BlobPath)}");
    }
}

/// <summary>One entry of a layer's tar, as the file tree needs it (no content).</summary>
public sealed record LayerRecord(string Name, TarEntryType Type, int Mode, int Uid, int Gid, string? Link, long Size);

/// <summary>
/// The entries of a layer blob, read once (as it downloads, see <see cref="Registry.ReadAlong{T}"/>; else from the
/// blob): reading a base image's layers (a .NET runtime image is ~100 MB of gzip) on every build would cost seconds,
/// so the list is kept next to the blob (BLOB.entries) and in memory. The file is a small binary list
/// (<see cref="BinaryWriter"/>'s strings and integers): a runtime image's ~8,000 entries read in a few milliseconds,
/// where the JSON it replaced cost a cold build about 80 ms. The blob is content-addressed, so the list never goes
/// stale; a damaged or older file is read again from the blob.
/// </summary>
public static class LayerIndex
{
    private const string Format = "imagedsl-layer-entries-1";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<LayerRecord>> Memory = new(StringComparer.Ordinal);

    public static IReadOnlyList<LayerRecord> Read(string blobPath) => Memory.GetOrAdd(blobPath, path =>
    {
        var cached = path + ".entries";
        if (File.Exists(cached))
        {
            try
            {
                return Load(cached);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentOutOfRangeException)
            {
                // Damaged, cut short or of another format: read again from the blob below.
            }
        }

        using var blob = File.OpenRead(path);
        var records = Scan(blob);
        Save(cached, records);
        return records;
    });

    /// <summary>Keeps the entries of the blob at <paramref name="blobPath"/>, read as it downloaded (<see cref="Scan"/>).</summary>
    public static void Keep(string blobPath, List<LayerRecord> records)
    {
        Save(blobPath + ".entries", records);
        Memory[blobPath] = records;
    }

    private static List<LayerRecord> Load(string path)
    {
        using var reader = new BinaryReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
        if (reader.ReadString() != Format) throw new InvalidDataException("another format");
        var count = reader.ReadInt32();
        var records = new List<LayerRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var type = (TarEntryType)reader.ReadByte();
            var (mode, uid, gid) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            var link = reader.ReadBoolean() ? reader.ReadString() : null;
            records.Add(new LayerRecord(name, type, mode, uid, gid, link, reader.ReadInt64()));
        }

        if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("trailing bytes");
        return records;
    }

    // Written aside and moved into place: a reader never sees half a list.
    private static void Save(string path, List<LayerRecord> records)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N");
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(Format);
            writer.Write(records.Count);
            foreach (var record in records)
            {
                writer.Write(record.Name);
                writer.Write((byte)record.Type);
                writer.Write(record.Mode);
                writer.Write(record.Uid);
                writer.Write(record.Gid);
                writer.Write(record.Link is not null);
                if (record.Link is not null) writer.Write(record.Link);
                writer.Write(record.Size);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The entries of a gzip tar layer, read from <paramref name="blob"/> (left open).</summary>
    public static List<LayerRecord> Scan(Stream blob)
    {
        var records = new List<LayerRecord>();
        using var reader = new TarReader(new GZipStream(blob, CompressionMode.Decompress, leaveOpen: true));
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            var name = FileTree.Normalize(entry.Name);
            if (name.Length == 0) continue;
            var type = entry.EntryType is TarEntryType.V7RegularFile or TarEntryType.ContiguousFile ? TarEntryType.RegularFile : entry.EntryType;
            records.Add(new LayerRecord(name, type, (int)entry.Mode, entry.Uid, entry.Gid, entry.LinkName is { Length: > 0 } link ? link : null, entry.Length));
        }

        return records;
    }
}

/// <summary>One path of an image's file system: its type, permission bits, numeric owner and, for files, where its bytes are.</summary>
public sealed record TreeEntry(TarEntryType Type, int Mode, int Uid, int Gid, string? LinkTarget, FileSource? Source)
{
    /// <summary>
    /// Shared by the names of one file (hard links), null for a file with one name. A layer holds the first of them it
    /// writes as the file and the others as hard links to it (<see cref="LayerWriter"/>).
    /// </summary>
    public HardLinkGroup? Links { get; init; }
}

/// <summary>The identity of one file with several names: compared by reference.</summary>
public sealed class HardLinkGroup;

/// <summary>
/// An image's file system as far as COPY needs it: every path (no leading '/') and what it is, after the layers
/// are applied in order (whiteouts remove, later entries replace). Paths are resolved through symbolic links the way
/// the builders resolve a COPY destination inside the root.
/// </summary>
public sealed class FileTree
{
    private readonly Dictionary<string, TreeEntry> _entries;

    public FileTree() => _entries = new(StringComparer.Ordinal);

    private FileTree(Dictionary<string, TreeEntry> entries) => _entries = new(entries, StringComparer.Ordinal);

    public FileTree Clone() => new(_entries);

    public IReadOnlyDictionary<string, TreeEntry> Entries => _entries;

    public TreeEntry? this[string path] => _entries.TryGetValue(path, out var entry) ? entry : null;

    public void Set(string path, TreeEntry entry)
    {
        if (entry.Type != TarEntryType.Directory && _entries.TryGetValue(path, out var old) && old.Type == TarEntryType.Directory) RemoveUnder(path);
        _entries[path] = entry;
    }

    /// <summary>Applies one layer (a gzip tar blob, as registries serve them): whiteouts remove, entries land, in layer order.</summary>
    public void Apply(string blobPath)
    {
        foreach (var record in LayerIndex.Read(blobPath))
        {
            var name = record.Name;
            var slash = name.LastIndexOf('/');
            var baseName = name.Substring(slash + 1);
            var parent = slash < 0 ? "" : name.Substring(0, slash);
            if (baseName == ".wh..wh..opq")
            {
                RemoveUnder(parent);
                continue;
            }

            if (baseName.StartsWith(".wh.", StringComparison.Ordinal))
            {
                var removed = (parent.Length == 0 ? "" : parent + "/") + baseName.Substring(4);
                _entries.Remove(removed);
                RemoveUnder(removed);
                continue;
            }

            var type = record.Type;
            FileSource? source = type == TarEntryType.RegularFile ? new LayerFileSource(blobPath, name, record.Size) : null;
            if (type == TarEntryType.HardLink && this[Normalize(record.Link ?? "")] is { Type: TarEntryType.RegularFile } target)
            {
                // Another name of the target's file: the same entry, both names in one link group.
                var linked = target.Links is null ? target with { Links = new HardLinkGroup() } : target;
                _entries[Normalize(record.Link ?? "")] = linked;
                Set(name, linked);
                continue;
            }

            if (type == TarEntryType.HardLink)
            {
                // A link to what is no regular file here: kept as a file of the same bytes, as before.
                source = this[Normalize(record.Link ?? "")]?.Source;
                type = TarEntryType.RegularFile;
            }

            Set(name, new TreeEntry(type, record.Mode, record.Uid, record.Gid, type == TarEntryType.SymbolicLink ? record.Link : null, source));
        }
    }

    /// <summary>
    /// The path with every symbolic link among its parents resolved inside the root (as a chroot would), and the
    /// last component kept as is; null when a parent is missing (the builder then creates it).
    /// </summary>
    public string ResolveParents(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resolved = "";
        for (var i = 0; i < parts.Length - 1; i++)
        {
            resolved = Follow(Join(resolved, parts[i]), 0);
        }

        return parts.Length == 0 ? "" : Join(resolved, parts[^1]);
    }

    /// <summary>The path with symbolic links followed all the way (also the last component).</summary>
    public string Resolve(string path) => Follow(ResolveParents(path), 0);

    private string Follow(string path, int depth)
    {
        if (depth > 40 || this[path] is not { Type: TarEntryType.SymbolicLink, LinkTarget: { } target }) return path;
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? "" : path.Substring(0, slash);
        var joined = target.StartsWith('/') ? target : Join(parent, target);
        return Follow(ResolveParents(Clean(joined)), depth + 1);
    }

    /// <summary>The entries directly inside a directory ("" is the root).</summary>
    public IEnumerable<(string Path, TreeEntry Entry)> Children(string directory)
    {
        var prefix = directory.Length == 0 ? "" : directory + "/";
        return _entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && e.Key.Length > prefix.Length && e.Key.IndexOf('/', prefix.Length) < 0)
            .Select(e => (e.Key, e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal);
    }

    private void RemoveUnder(string directory)
    {
        var prefix = directory.Length == 0 ? "" : directory + "/";
        foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k != directory).ToList()) _entries.Remove(key);
    }

    public static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    /// <summary>A tar entry name as a tree path: no "./" or leading '/', no trailing '/'.</summary>
    public static string Normalize(string name) => Clean(name);

    /// <summary>path.Clean inside the root, without a leading '/'.</summary>
    public static string Clean(string path) => Context.PathPattern.Clean(path);
}
