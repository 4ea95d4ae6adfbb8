using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImageDsl.Build.Context;

/// <summary>
/// The few file-system calls a build context needs, made on a path's bytes (see <see cref="FileName"/>) through the C
/// library, because .NET's own APIs decode names as UTF-8 and lose the rest: listing a directory, reading a symbolic
/// link, and opening a regular file for reading in a way that can never hang — O_NONBLOCK, so that a file swapped for
/// a FIFO after it was listed does not block the open, then a check of what was opened. Linux only, as the daemon's
/// contexts are. Also compiled into the session helper.
/// </summary>
public static class PosixFiles
{
    private const int ReadOnly = 0x0;
    private const int NonBlocking = 0x800;
    private const int NoFollow = 0x20000;
    private const int CloseOnExec = 0x80000;

    /// <summary>The names in a directory, without "." and "..", in no particular order.</summary>
    public static List<string> ListDirectory(string path)
    {
        var directory = OpenDirectory(FileName.ToNullTerminated(path));
        if (directory == IntPtr.Zero) throw Error(path);
        try
        {
            var names = new List<string>();
            var buffer = new byte[256];
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var entry = ReadDirectory(directory);
                if (entry == IntPtr.Zero)
                {
                    if (Marshal.GetLastPInvokeError() != 0) throw Error(path);
                    return names;
                }

                // struct dirent on 64-bit Linux (glibc and musl): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
                var length = 0;
                while (length < buffer.Length && (buffer[length] = Marshal.ReadByte(entry, 19 + length)) != 0) length++;
                var name = buffer.AsSpan(0, length);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                names.Add(FileName.FromBytes(name));
            }
        }
        finally
        {
            CloseDirectory(directory);
        }
    }

    /// <summary>Where a symbolic link points, as its bytes say (it need not exist).</summary>
    public static string ReadLink(string path)
    {
        var buffer = new byte[4096];
        var length = ReadLinkNative(FileName.ToNullTerminated(path), buffer, buffer.Length);
        if (length < 0) throw Error(path);
        return FileName.FromBytes(buffer.AsSpan(0, (int)length));
    }

    /// <summary>Makes <paramref name="link"/> a hard link to <paramref name="target"/> (another name for the same file), replacing what is there.</summary>
    public static void CreateHardLink(string link, string target)
    {
        Unlink(FileName.ToNullTerminated(link));
        if (HardLink(FileName.ToNullTerminated(target), FileName.ToNullTerminated(link)) != 0) throw Error(link);
    }

    /// <summary>
    /// Opens a regular file for reading. Never blocks on a FIFO or device that took the file's place since it was
    /// listed, and never follows a link: anything but a regular file is an IOException.
    /// </summary>
    public static FileStream OpenRead(string path, int bufferSize = 81920)
    {
        var descriptor = Open(FileName.ToNullTerminated(path), ReadOnly | NonBlocking | NoFollow | CloseOnExec);
        if (descriptor < 0) throw Error(path);
        var handle = new SafeFileHandle((IntPtr)descriptor, ownsHandle: true);
        try
        {
            if (FileStatus.Of(handle).Kind != FileKind.Regular) throw new IOException($"{path}: no longer a regular file");
            return new FileStream(handle, FileAccess.Read, bufferSize, isAsync: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static IOException Error(string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [DllImport("libc", EntryPoint = "opendir", SetLastError = true)]
    private static extern IntPtr OpenDirectory(byte[] path);

    [DllImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static extern IntPtr ReadDirectory(IntPtr directory);

    [DllImport("libc", EntryPoint = "closedir")]
    private static extern int CloseDirectory(IntPtr directory);

    [DllImport("libc", EntryPoint = "readlink", SetLastError = true)]
    private static extern nint ReadLinkNative(byte[] path, byte[] buffer, nint size);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int HardLink(byte[] target, byte[] link);

    [DllImport("libc", EntryPoint = "unlink", SetLastError = true)]
    private static extern int Unlink(byte[] path);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);
}
