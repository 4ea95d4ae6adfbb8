using System;
using System.Linq;
using System.Text;

namespace ImageDsl
{
    /// <summary>
    /// .NET projects as typed sources of an image, in the two shapes .NET teams use:
    /// <list type="bullet">
    /// <item><see cref="HostPublish"/>: the build publishes the project on the host (as <c>dotnet publish</c> would)
    /// into the build context, and the image copies the output — the fast inner loop, like the SDK's PublishContainer;</item>
    /// <item><see cref="InImagePublish"/>: a stage that restores and publishes inside an SDK image, with the layer order
    /// that keeps the restore cached when only code changes — reproducible CI builds that need no SDK on the host.</item>
    /// </list>
    /// </summary>
    public static class DotNet
    {
        /// <summary>The folder of the build context under which ImageDsl puts what it adds: publish output, its own package.</summary>
        public const string ContextFolder = ".imagedsl";

        /// <summary>
        /// The published output of a project, as a build-context path for <c>Copy</c>:
        /// <c>.Copy(DotNet.HostPublish(), "/app/")</c>. The build publishes the project on the host (in the
        /// configuration being built, framework-dependent; see docs/msbuild.md for the properties) into the context at this path before the image
        /// builds. <paramref name="project"/>: this project (null) or another one, relative to this project's directory,
        /// e.g. <c>"../Api/Api.csproj"</c>.
        /// </summary>
        public static Value HostPublish(string? project = null) =>
            Value.Literal(ContextFolder + "/publish/" + (project is null ? "self" : Key(RequireProject(project, nameof(project)))) + "/");

        /// <summary>
        /// A stage that publishes <paramref name="project"/> (a project file's path relative to the build context's root,
        /// with '/' separators: <c>"Api.csproj"</c> where the context is the project's folder, the default;
        /// <c>"src/Api/Api.csproj"</c> where it is the repository's root) inside <paramref name="sdkImage"/> to
        /// <paramref name="output"/>; then <c>.Copy(output, "/app/", from: stage)</c> in the runtime stage. Layers: what
        /// the restore reads first, then <c>dotnet restore</c> with a NuGet cache mount; only then the rest of the
        /// context and <c>dotnet publish --no-restore</c> (without the compiler server, which cannot outlive the step),
        /// so a code change leaves the restore layer cached. What the restore reads: for a project at the context's root, the project file with <c>Directory.*.props</c>/<c>.targets</c>,
        /// <c>NuGet.config</c>, <c>Directory.Build.rsp</c>, <c>global.json</c> and <c>packages.lock.json</c> next to it;
        /// for one in a folder, a stage before it (<paramref name="stageName"/><c>-inputs</c>) keeps, from the whole
        /// context, every project file, <c>.props</c> and <c>.targets</c> file, <c>NuGet.config</c>, <c>global.json</c>,
        /// <c>Directory.Build.rsp</c> and <c>packages.lock.json</c>, in their folders (none from a <c>bin</c> or <c>obj</c>
        /// folder: those are build output) — so the settings of the folders
        /// above the project and the projects it references restore with it. The ImageDsl package the project references
        /// is carried in the context (<c>.imagedsl/feed/</c>): the restore inside the image needs no feed of ImageDsl's.
        /// Such settings in a folder above the context, which the build machine would apply and the image's build cannot
        /// see, are refused when the image builds (IMAGEDSL2031); a <c>NuGet.config</c> in the project's folder that its
        /// publish would copy into the image (a web project's, by default) is a warning (IMAGEDSL2033).
        /// </summary>
        public static Dockerfile InImagePublish(Value sdkImage, string project, string stageName = "publish", string output = "/app",
            string configuration = "Release")
        {
            RequireProject(project, nameof(project));
            if (project.StartsWith("../", StringComparison.Ordinal) || project.Contains("/../") || project.StartsWith("./", StringComparison.Ordinal) || project.Contains("/./")
                || project.Contains("//"))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{project}' is not inside the build context: give the project file's path from the context's root without '.' or '..' (e.g. \"src/Api/Api.csproj\"), and set the image's Context to a folder that holds it.");
            }

            var cache = Mount.Cache("/root/.nuget/packages", id: "imagedsl-nuget");
            var quoted = Quote(project);
            var stage = Dockerfile.From(sdkImage).As(stageName)
                .Workdir("/src")
                .Copy(ContextFolder + "/feed/", "/imagedsl-feed/");
            stage = project.Contains("/")
                ? stage.Copy("/inputs/", "/src/", from: Dockerfile.From(sdkImage).As(stageName + "-inputs")
                    .Workdir("/inputs")
                    .Copy(".", "/inputs/")
                    .Run("find . -type d \\( -name bin -o -name obj \\) -prune -exec rm -rf {} +"
                        + " && find . ! -type d ! \\( -name '*.csproj' -o -name '*.fsproj' -o -name '*.vbproj' -o -name '*.props' -o -name '*.targets'"
                        + " -o -iname nuget.config -o -name global.json -o -name Directory.Build.rsp -o -name packages.lock.json \\) -delete"
                        + " && find . -mindepth 1 -type d -empty -delete"))
                : stage.Copy(new[] { Glob.Literal(project) }.Concat(Practices.RestoreInputs.Patterns.Select(p => Glob.Of(p))).ToArray(), "/src/");
            return stage
                .Run("dotnet restore " + quoted + " -p:RestoreAdditionalProjectSources=/imagedsl-feed", mounts: new[] { cache })
                .Copy(".", "/src/")
                // No compiler server: it cannot outlive the RUN step, so starting one only costs (about 0.4 s of a
                // web app's 7 s publish here, measured in the SDK image); the compiler and its output are the same.
                .Run("dotnet publish " + quoted + " -c " + Quote(configuration) + " -o " + Quote(output) + " --no-restore -p:ImageDslEnabled=false -p:UseSharedCompilation=false",
                    mounts: new[] { cache })
                .Publishing(project);
        }

        private static string RequireProject(string project, string parameter)
        {
            if (project is null || project.Length == 0 || project.StartsWith("/", StringComparison.Ordinal) || project.Contains("\\") ||
                !(project.EndsWith(".csproj", StringComparison.Ordinal) || project.EndsWith(".fsproj", StringComparison.Ordinal) || project.EndsWith(".vbproj", StringComparison.Ordinal)))
            {
                throw new DockerfileException(DiagnosticIds.InvalidArgument,
                    $"'{project}' is not a project path: give a .csproj, .fsproj or .vbproj file relative to the project directory, with '/' separators (e.g. \"../Api/Api.csproj\"); null for this project.");
            }

            return project;
        }

        // Reversible and safe as one path segment: every byte outside [A-Za-z0-9._-] as +XX, so '/' and ".." stay inside
        // the key. Not %XX: MSBuild reads %XX in a path as an escaped character, and the key is a folder MSBuild names.
        private static string Key(string project)
        {
            var key = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(project))
            {
                var c = (char)b;
                if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-') key.Append(c);
                else key.Append('+').Append(((int)b).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return key.ToString();
        }

        // A POSIX shell word: the project path and output as one argument, whatever they contain.
        private static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";
    }
}
