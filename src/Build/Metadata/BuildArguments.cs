using ImageDsl.Build.Parsing;

namespace ImageDsl.Build.Metadata;

/// <summary>
/// Build arguments the build passes (ImageDslBuildArgs, ImageDslBuildArg) that no image of the build declares: docker
/// ignores them, so a misspelt name silently leaves the definition's default in the image. Reported as a warning
/// (IMAGEDSL2028), as docker itself does; an argument one image of several declares is not reported.
/// </summary>
public static class BuildArguments
{
    // Docker's predefined arguments, which need no ARG (builder/dockerfile/buildargs.go: the proxy settings).
    private static readonly HashSet<string> Predefined = new(StringComparer.Ordinal)
    {
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    };

    /// <summary>The names in <paramref name="given"/> that no ARG of <paramref name="dockerfiles"/> declares, in order.</summary>
    public static IReadOnlyList<string> Undeclared(IEnumerable<string> given, IEnumerable<string> dockerfiles)
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dockerfile in dockerfiles)
        {
            var (escape, instructions) = DockerfileReader.Read(dockerfile);
            foreach (var arg in instructions.Where(i => i.Keyword == "arg"))
            {
                foreach (var word in DockerfileReader.Words(arg.Rest, escape)) declared.Add(word.Split('=')[0]);
            }
        }

        // BUILDKIT_* arguments are BuildKit's own settings (BUILDKIT_INLINE_CACHE…), read without an ARG.
        return given.Where(name => !declared.Contains(name) && !Predefined.Contains(name) && !name.StartsWith("BUILDKIT_", StringComparison.Ordinal)).ToList();
    }
}
