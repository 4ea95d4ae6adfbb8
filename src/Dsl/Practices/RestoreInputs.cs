namespace ImageDsl.Practices
{
    /// <summary>
    /// What <c>dotnet restore</c> reads next to a project at the build context's root, besides the project file: the
    /// patterns <see cref="DotNet.InImagePublish"/> copies before its restore step, and the IDSL1013 code fix writes. One
    /// list, so that the fix never produces a restore that sees less than InImagePublish's (a lock file or global.json
    /// left out restores other packages, or with another SDK, than the publish that follows). Each optional file is a
    /// pattern, so that a context without it still builds (a COPY of a pattern that matches nothing copies nothing; a
    /// literal name that is missing fails).
    /// </summary>
    internal static class RestoreInputs
    {
        public static readonly string[] Patterns =
        {
            "Directory.*.props", "Directory.*.targets", "[Nn]u[Gg]et.[Cc]onfig", "Directory.Build.rs[p]", "global.jso[n]", "packages.lock.jso[n]",
        };
    }
}
