namespace ImageDsl.Build.Files;

/// <summary>
/// Whether ADD unpacks a local file (BuildKit's AttemptUnpack, the classic builder's archive detection): a tar, or a file
/// compressed with gzip, bzip2 or xz — by content, as the builders detect it, never by name.
/// </summary>
public static class ArchiveFormat
{
    public static bool IsArchive(Stream stream)
    {
        var header = new byte[512];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        bool Starts(params byte[] magic) => read >= magic.Length && header.AsSpan(0, magic.Length).SequenceEqual(magic);
        return Starts(0x1f, 0x8b) || Starts((byte)'B', (byte)'Z', (byte)'h') || Starts(0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00)
            || (read >= 262 && header.AsSpan(257, 5).SequenceEqual("ustar"u8));
    }
}
