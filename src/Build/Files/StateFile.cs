using System.Text;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Files;

/// <summary>
/// Writes ImageDsl's state under obj/ (build stamps, the inputs lists, generated Dockerfiles and manifests) so that a
/// reader only ever sees a complete file: the content goes to a temporary file beside it, which then replaces the
/// file in one rename. A write that fails — a full disk, a read-only folder — leaves the previous file as it was and
/// no temporary behind, and is IMAGEDSL2015 naming the path, not an internal error.
/// </summary>
public static class StateFile
{
    private static readonly UTF8Encoding Utf8 = new(false);

    public static void Write(string path, string content) => Write(path, Utf8.GetBytes(content));

    public static void Write(string path, byte[] content)
    {
        var temporary = path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(content);
                file.Flush(flushToDisk: false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new ImageDslException(ErrorCodes.StateWriteFailed, e, path, e.Message);
        }
    }

    /// <summary>Deletes a state file; a failure to delete is IMAGEDSL2015 too (a stale stamp must not survive unnoticed).</summary>
    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDslException(ErrorCodes.StateWriteFailed, e, path, e.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
