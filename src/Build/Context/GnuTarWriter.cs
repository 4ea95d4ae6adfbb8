using System.Formats.Tar;
using System.Text;

namespace ImageDsl.Build.Context;

/// <summary>
/// Writes a GNU tar stream whose entry and link names are bytes. System.Formats.Tar's writer takes names as strings and
/// encodes them as UTF-8, which cannot carry a name that is not UTF-8 (see <see cref="FileName"/>); that is the only
/// reason this exists, so it stays small: regular files, directories, symbolic links, FIFOs and devices, with GNU
/// long-name records ('L', 'K') for names over 100 bytes and base-256 sizes past 8 GiB — what Go's archive/tar (the
/// daemon's reader) accepts. GNU rather than PAX because BuildKit's Engine API path tells a tar from a bare Dockerfile
/// by the first block, and a PAX header there reads as a Dockerfile. File content is copied in 64 KiB chunks with the
/// cancellation token checked between them.
/// </summary>
public sealed class GnuTarWriter : IAsyncDisposable
{
    private const int Block = 512;
    private readonly Stream _output;
    private readonly byte[] _chunk = new byte[64 * 1024];

    public GnuTarWriter(Stream output) => _output = output;

    public async Task WriteAsync(TarHeader header, Stream? content, CancellationToken cancellationToken)
    {
        if (header.Name.Length > 100) await WriteLongNameAsync((byte)'L', header.Name, cancellationToken).ConfigureAwait(false);
        if (header.LinkName.Length > 100) await WriteLongNameAsync((byte)'K', header.LinkName, cancellationToken).ConfigureAwait(false);
        await _output.WriteAsync(Header(header), cancellationToken).ConfigureAwait(false);
        if (header.Type != TarEntryType.RegularFile || header.Size == 0) return;

        var remaining = header.Size;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read;
            try
            {
                read = await content!.ReadAsync(_chunk.AsMemory(0, (int)Math.Min(_chunk.Length, remaining)), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new TarContentException(e);
            }

            if (read == 0) throw new TarContentException(new IOException("the file became shorter while it was being sent"));
            await _output.WriteAsync(_chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            remaining -= read;
        }

        await PadAsync(header.Size, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The two zero blocks that end an archive.</summary>
    public async ValueTask DisposeAsync()
    {
        await _output.WriteAsync(new byte[2 * Block]).ConfigureAwait(false);
        await _output.FlushAsync().ConfigureAwait(false);
    }

    private async Task WriteLongNameAsync(byte type, byte[] name, CancellationToken cancellationToken)
    {
        var record = new TarHeader(Encoding.ASCII.GetBytes("././@LongLink"), TarEntryType.RegularFile, 0, name.Length + 1, 0);
        var header = Header(record);
        header[156] = type;
        Checksum(header);
        await _output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        var data = new byte[Padded(name.Length + 1)];
        name.CopyTo(data, 0);
        await _output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Header(TarHeader entry)
    {
        var header = new byte[Block];
        entry.Name.AsSpan(0, Math.Min(100, entry.Name.Length)).CopyTo(header);
        Octal(header, 100, 8, entry.Mode & 0xFFF);
        Octal(header, 108, 8, entry.Uid); // root unless a layer says otherwise, as the docker CLI sends a context
        Octal(header, 116, 8, entry.Gid);
        Size(header, entry.Type == TarEntryType.RegularFile ? entry.Size : 0);
        Octal(header, 136, 12, Math.Max(0, entry.ModifiedSeconds));
        header[156] = (byte)entry.Type;
        entry.LinkName.AsSpan(0, Math.Min(100, entry.LinkName.Length)).CopyTo(header.AsSpan(157));
        "ustar  \0"u8.CopyTo(header.AsSpan(257));
        if (entry.Type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            Octal(header, 329, 8, entry.DeviceMajor);
            Octal(header, 337, 8, entry.DeviceMinor);
        }

        Checksum(header);
        return header;
    }

    private static void Checksum(byte[] header)
    {
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0L;
        foreach (var b in header) sum += b;
        Octal(header, 148, 7, sum);
    }

    /// <summary>An octal number right-aligned in width-1 digits and a NUL.</summary>
    private static void Octal(byte[] header, int offset, int width, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(width - 1, '0');
        Encoding.ASCII.GetBytes(digits, 0, width - 1, header, offset);
        header[offset + width - 1] = 0;
    }

    private static void Size(byte[] header, long size)
    {
        if (size < 1L << 33)
        {
            Octal(header, 124, 12, size);
            return;
        }

        // GNU base-256: the high bit of the first byte, then the number big-endian.
        header[124] = 0x80;
        for (var i = 0; i < 8; i++) header[135 - i] = (byte)(size >> (8 * i));
    }

    private async Task PadAsync(long size, CancellationToken cancellationToken)
    {
        var padding = Padded(size) - size;
        if (padding > 0) await _output.WriteAsync(new byte[padding], cancellationToken).ConfigureAwait(false);
    }

    private static long Padded(long size) => (size + Block - 1) / Block * Block;

    private static int Padded(int size) => (size + Block - 1) / Block * Block;
}

/// <summary>One tar entry's header: its name and link name as bytes.</summary>
public sealed record TarHeader(byte[] Name, TarEntryType Type, uint Mode, long Size, long ModifiedSeconds)
{
    public byte[] LinkName { get; init; } = Array.Empty<byte>();

    public uint DeviceMajor { get; init; }

    public uint DeviceMinor { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }
}

/// <summary>Reading an entry's content failed (as opposed to writing the archive): the file's fault, not the output's.</summary>
public sealed class TarContentException(IOException inner) : IOException(inner.Message, inner);
