using System.Diagnostics;
using System.Reflection;

namespace ImageDsl.Benchmarks;

internal static class BenchSupport
{
    public static string RepositoryRoot =>
        typeof(BenchSupport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The base image eng/engine.sh imports (no internet registry is reachable).</summary>
    public const string BaseImage = "local/busybox:1";

    public static void Run(string file, string arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr}");
    }
}
