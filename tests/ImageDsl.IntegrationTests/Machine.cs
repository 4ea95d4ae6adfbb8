using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageDsl.Build.Context;

namespace ImageDsl.IntegrationTests;

/// <summary>What tests do to this machine beyond .NET's reach: run a command (mount, mknod, stat…), and write or delete a file whose name is not UTF-8.</summary>
public static class Machine
{
    /// <summary>Runs the command; returns what it printed.</summary>
    public static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} {string.Join(' ', arguments)}: {error.Result}");
        return output;
    }

    /// <summary>Writes a file by its bytes-as-<see cref="FileName"/> path, through the C library (.NET cannot open a name that is not UTF-8).</summary>
    public static void WriteNative(string path, byte[] content)
    {
        var descriptor = Open(FileName.ToNullTerminated(path), 0x241 /* O_WRONLY | O_CREAT | O_TRUNC */, Convert.ToInt32("644", 8));
        if (descriptor < 0) throw new IOException($"{path}: errno {Marshal.GetLastPInvokeError()}");
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Write);
        stream.Write(content);
    }

    /// <summary>Deletes such a file.</summary>
    public static void DeleteNative(string path) => Unlink(FileName.ToNullTerminated(path));

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags, int mode);

    [DllImport("libc", EntryPoint = "unlink")]
    private static extern int Unlink(byte[] path);
}
