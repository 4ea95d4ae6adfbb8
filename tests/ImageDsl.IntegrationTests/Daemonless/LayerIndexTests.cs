using System.Formats.Tar;
using System.IO.Compression;
using ImageDsl.Build.Daemonless;
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

    private string Blob(string name)
    {
        var path = Path.Combine(_directory.FullName, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var record in Expected)
        {
            var entry = new PaxTarEntry(record.Type, record.Type == TarEntryType.Directory ? "./" + record.Name + "/" : "./" + record.Name)
            {
                Mode = (UnixFileMode)record.Mode, Uid = record.Uid, Gid = record.Gid,
            };
            if (record.Link is not null) entry.LinkName = record.Link;
            if (record.Size > 0) entry.DataStream = new MemoryStream(new byte[record.Size]);
            tar.WriteEntry(entry);
        }

        return path;
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
