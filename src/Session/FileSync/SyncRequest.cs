using System.Net;
using Microsoft.AspNetCore.Http;

namespace ImageDsl.Session.FileSync;

/// <summary>
/// What the daemon asks of one DiffCopy call, in its metadata: the directory by name ("context", "dockerfile"), and
/// the include/exclude patterns and follow paths that narrow it (BuildKit session/filesync: keys dir-name,
/// include-patterns, exclude-patterns, followpaths; a key-encoded=1 companion marks URL-escaped values). Read from the
/// HTTP/2 header fields themselves: gRPC's Metadata joins a repeated key's values with ',', which patterns may hold.
/// </summary>
internal sealed record SyncRequest(string DirectoryName, IReadOnlyList<string> Includes, IReadOnlyList<string> Excludes, IReadOnlyList<string> FollowPaths)
{
    public static SyncRequest From(IHeaderDictionary headers) =>
        new(Values(headers, "dir-name").FirstOrDefault() ?? "", Values(headers, "include-patterns"), Values(headers, "exclude-patterns"), Values(headers, "followpaths"));

    private static IReadOnlyList<string> Values(IHeaderDictionary headers, string key)
    {
        var encoded = headers.TryGetValue(key + "-encoded", out var flag) && flag.ToString() is "1" or "true";
        return headers.TryGetValue(key, out var values)
            ? values.Where(v => v is not null).Select(v => encoded ? WebUtility.UrlDecode(v!) : v!).ToList()
            : Array.Empty<string>();
    }
}
