using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace ImageDsl.Tests;

/// <summary>
/// A minimal approved-files check with Verify's file naming (<c>{Type}.{Method}[_{parameters}].verified.txt</c> beside
/// the test source, <c>.received.txt</c> on a mismatch), so that moving to Verify.Xunit later is a rename. Verify itself
/// cannot be restored from the package feed available here. To approve a change, review the received file and rename
/// it over the verified one.
/// </summary>
public static class Approvals
{
    public static void Verify(string received, string? parameters = null, [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        var directory = Path.GetDirectoryName(sourceFile)!;
        var type = Path.GetFileNameWithoutExtension(sourceFile);
        var stem = Path.Combine(directory, type + "." + method + (parameters is null ? "" : "_" + parameters));
        var verifiedPath = stem + ".verified.txt";
        var receivedPath = stem + ".received.txt";
        received = received.Replace("\r\n", "\n");

        if (File.Exists(verifiedPath) && File.ReadAllText(verifiedPath).Replace("\r\n", "\n") == received)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        var expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        throw new XunitException(expected is null
            ? $"No approved file {Path.GetFileName(verifiedPath)}. Review {Path.GetFileName(receivedPath)} and rename it to approve."
            : $"{Path.GetFileName(receivedPath)} differs from {Path.GetFileName(verifiedPath)} at {FirstDifference(expected, received)}.");
    }

    private static string FirstDifference(string expected, string received)
    {
        var e = expected.Split('\n');
        var r = received.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, r.Length); i++)
        {
            var left = i < e.Length ? e[i] : "<end>";
            var right = i < r.Length ? r[i] : "<end>";
            if (left != right) return $"line {i + 1}:\n  verified: {left}\n  received: {right}";
        }

        return "the end of the file";
    }
}
