using System.Runtime.InteropServices;

namespace ImageDsl.Build.Context;

/// <summary>What kind of file system entry a path is, without following a symbolic link.</summary>
public enum FileKind
{
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>
/// One entry's status as lstat sees it. .NET's file APIs tell files, directories and links apart but not FIFOs,
/// sockets or devices, and reading a FIFO or /dev/zero as if it were a file hangs; so entries are classified with
/// Linux's statx(2), whose structure has the same layout on every architecture (unlike struct stat). Also compiled
/// into the session helper.
/// </summary>
public readonly record struct FileStatus(FileKind Kind, uint Mode, uint Uid, uint Gid, long Size, long ModifiedSeconds, uint ModifiedNanoseconds,
    uint DeviceMajor, uint DeviceMinor, ulong Inode = 0, long ChangedSeconds = 0, uint ChangedNanoseconds = 0, uint Links = 1)
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint BasicStats = 0x7ff;

    /// <summary>The permission bits with setuid, setgid and sticky (07777).</summary>
    public uint Permissions => Mode & 0xFFF;

    /// <summary>The status of <paramref name="path"/> (its bytes, see <see cref="FileName"/>), or an IOException saying why it cannot be had.</summary>
    public static FileStatus Of(string path) => Of(path, followLinks: false);

    /// <summary>The status of <paramref name="path"/>, or of what it points at when <paramref name="followLinks"/> is set.</summary>
    public static FileStatus Of(string path, bool followLinks)
    {
        var buffer = new byte[256];
        if (Statx(AtCurrentDirectory, FileName.ToNullTerminated(path), followLinks ? 0 : AtSymlinkNoFollow, BasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        return Parse(buffer);
    }

    /// <summary>The status of an open file.</summary>
    public static FileStatus Of(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var buffer = new byte[256];
        if (Statx((int)handle.DangerousGetHandle(), new byte[1], AtEmptyPath, BasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
        }

        return Parse(buffer);
    }

    private static FileStatus Parse(byte[] buffer)
    {
        var mode = BitConverter.ToUInt16(buffer, 28);
        var kind = (mode & 0xF000) switch
        {
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Regular,
        };
        return new FileStatus(kind, mode, BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), (long)BitConverter.ToUInt64(buffer, 40),
            BitConverter.ToInt64(buffer, 112), BitConverter.ToUInt32(buffer, 120), BitConverter.ToUInt32(buffer, 128), BitConverter.ToUInt32(buffer, 132),
            BitConverter.ToUInt64(buffer, 32), BitConverter.ToInt64(buffer, 96), BitConverter.ToUInt32(buffer, 104), BitConverter.ToUInt32(buffer, 16));
    }

    /// <summary>
    /// The mode as Go's os.FileMode encodes it (BuildKit's file sync speaks it): permission bits, then type and special
    /// bits high up (dir 1&lt;&lt;31, symlink 1&lt;&lt;27, device 1&lt;&lt;26, pipe 1&lt;&lt;25, socket 1&lt;&lt;24, setuid 1&lt;&lt;23,
    /// setgid 1&lt;&lt;22, char device 1&lt;&lt;21, sticky 1&lt;&lt;20).
    /// </summary>
    public uint GoFileMode
    {
        get
        {
            var mode = Mode & 0x1FF;
            if ((Mode & 0x800) != 0) mode |= 1u << 23;
            if ((Mode & 0x400) != 0) mode |= 1u << 22;
            if ((Mode & 0x200) != 0) mode |= 1u << 20;
            return mode | Kind switch
            {
                FileKind.Directory => 1u << 31,
                FileKind.SymbolicLink => 1u << 27,
                FileKind.Fifo => 1u << 25,
                FileKind.Socket => 1u << 24,
                FileKind.CharacterDevice => (1u << 26) | (1u << 21),
                FileKind.BlockDevice => 1u << 26,
                _ => 0u,
            };
        }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}
