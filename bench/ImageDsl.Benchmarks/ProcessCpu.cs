using System.Runtime.InteropServices;

namespace ImageDsl.Benchmarks;

/// <summary>
/// The process's CPU time in nanosecond resolution (clock_gettime(CLOCK_PROCESS_CPUTIME_ID)). Process.TotalProcessorTime
/// reads /proc in clock ticks of 10 ms, coarser than what one analyzer run costs per definition.
/// </summary>
internal static class ProcessCpu
{
    private const int ClockProcessCpuTime = 2;

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux()) return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        if (clock_gettime(ClockProcessCpuTime, out var time) != 0) throw new InvalidOperationException("clock_gettime failed");
        return time.Seconds * 1000.0 + time.Nanoseconds / 1_000_000.0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
