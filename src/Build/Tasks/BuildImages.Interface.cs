using Microsoft.Build.Framework;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// Builds each image through the Docker Engine API. Skips an image whose stamp (Dockerfile, settings, daemon and
/// every context file's bytes) matches the last successful build, without contacting the daemon at all.
/// </summary>
public sealed partial class BuildImages
{
    /// <summary>The images from WriteDockerfiles.</summary>
    [Required] public ITaskItem[] Images { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The project directory: the generator records the C# line of each instruction relative to it.</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>
    /// A directory that appears in every context as <c>.imagedsl/</c> (obj/…/imagedsl/context/): projects published on
    /// the host (publish/KEY/) and the ImageDsl package (feed/). Optional.
    /// </summary>
    public string? ContextAdditionDirectory { get; set; }

    /// <summary>
    /// The modification time (Unix seconds) every context file is sent with, so that the layers COPY writes do not depend
    /// on when the files were checked out (ImageDslFileTime; default SOURCE_DATE_EPOCH). Empty: each file's own time.
    /// </summary>
    public string? FileTime { get; set; }

    private long? FileTimeSeconds => long.TryParse(FileTime, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : null;

    /// <summary>Where build stamps are kept (obj/…/imagedsl/).</summary>
    [Required] public string StampDirectory { get; set; } = "";

    /// <summary>
    /// Where to record every file of the build contexts (one path a line; the context directories go to the same name
    /// plus ".dirs"), so that the on-build target's Inputs can skip the whole chain when none of them changed. Optional.
    /// </summary>
    public string? ContextInputsFile { get; set; }

    /// <summary>
    /// Folders left out of a context that has no .dockerignore: the project's bin/ and obj/ (absolute paths). ImageDsl's
    /// own folder (<see cref="StampDirectory"/>) is never part of a context.
    /// </summary>
    public string[] DefaultExcludedDirectories { get; set; } = Array.Empty<string>();

    /// <summary>
    /// ImageDslBuilder: auto (daemonless for an image that qualifies when the build pushes or writes an archive, else
    /// the daemon — BuildKit when it offers it), docker (the daemon always), daemonless (never the daemon for building),
    /// buildkit or classic (that builder of the daemon).
    /// </summary>
    public string Builder { get; set; } = "auto";

    /// <summary>The registry pushed to (ImageDslRegistry): the daemonless builder pushes there itself.</summary>
    public string? Registry { get; set; }

    /// <summary>True when this build pushes (PushImages, or ImageDslPushOnBuild): the daemonless builder pushes as it builds.</summary>
    public bool Push { get; set; }

    /// <summary>Where to write each image as an archive (ContainerArchiveOutputPath): a file, or a directory for NAME.tar.gz.</summary>
    public string? ArchiveOutputPath { get; set; }

    /// <summary>Whether container checks follow (ImageDslSmokeRun): a daemonless image is then loaded into the daemon, if one is reachable.</summary>
    public bool SmokeRun { get; set; }

    /// <summary>Registry request attempts (ImageDslPushAttempts).</summary>
    public int PushAttempts { get; set; } = 3;

    /// <summary>The first wait before a retry, doubled each time (ImageDslPushRetryDelay).</summary>
    public int PushRetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>The most one registry request may take (ImageDslPushTimeout).</summary>
    public int PushTimeoutSeconds { get; set; } = 600;

    /// <summary>Build arguments: Include = name, metadata Value (ImageDslBuildArg items).</summary>
    public ITaskItem[] BuildArgs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Build arguments as NAME=VALUE;NAME2=VALUE2 (the ImageDslBuildArgs property); items win over it.</summary>
    public string? BuildArgList { get; set; }

    /// <summary>
    /// Build secrets (ImageDslSecret items): Include = the id a <c>Mount.Secret</c> names, metadata Environment (a variable
    /// name) or File (a path). The value goes to the daemon through the BuildKit session only, when a RUN step mounts it.
    /// </summary>
    public ITaskItem[] Secrets { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// SSH agents to forward (ImageDslSsh items): Include = the id a <c>Mount.Ssh</c> names ("default" when unnamed),
    /// metadata Socket (an agent socket) or Keys (';'-separated key files, loaded into an agent started for the build);
    /// neither forwards SSH_AUTH_SOCK.
    /// </summary>
    public ITaskItem[] SshAgents { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Image labels: Include = key, metadata Value (ImageDslLabel items, OCI annotations by default).</summary>
    public ITaskItem[] Labels { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// The NuGet configurations among the items of projects that <c>DotNet.InImagePublish</c> stages publish (Include = the
    /// file; metadata ImageDslProject: its project file, CopyToPublishDirectory, CopyToOutputDirectory): each one the
    /// image's publish would ship is warned about (IMAGEDSL2033).
    /// </summary>
    public ITaskItem[] InImagePublishItems { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The stage to build (ImageDslTarget).</summary>
    public string? Target { get; set; }

    /// <summary>The platform to build for, e.g. linux/amd64 (ImageDslPlatform).</summary>
    public string? Platform { get; set; }

    /// <summary>
    /// Several platforms to build each image for (ImageDslPlatforms, e.g. linux/amd64;linux/arm64): built without the
    /// daemon, one image per platform and an index over them; a host publish uses the runtime identifier of each.
    /// </summary>
    public string? Platforms { get; set; }

    /// <summary>
    /// The runtime identifier a host publish is for (ImageDslPublishRuntimeIdentifier): it must be the image's
    /// platform's, which without ImageDslPlatform is known only here (the daemon's, or this machine's without one).
    /// </summary>
    public string? PublishRuntimeIdentifier { get; set; }

    /// <summary>Build without the daemon's cache (ImageDslNoCache).</summary>
    public bool NoCache { get; set; }

    /// <summary>Images to use as cache sources (ImageDslCacheFrom).</summary>
    public string[] CacheFrom { get; set; } = Array.Empty<string>();

    /// <summary>
    /// The network RUN steps use (ImageDslNetworkMode): default (the daemon's default network, as <c>docker build</c>),
    /// host, none, or a network's name.
    /// </summary>
    public string NetworkMode { get; set; } = "default";

    /// <summary>
    /// Only start reading the base images of the images the daemonless builder will build, and return: the
    /// BuildImages call that follows in this build takes them (called right after the Dockerfiles are written, so that
    /// the reads overlap the project's publish). Nothing is built or reported; a failed read is the build's to report.
    /// </summary>
    public bool ReadAhead { get; set; }

    /// <summary>The images with metadata ImageId, Tags and Rebuilt (false when the stamp matched).</summary>
    [Output] public ITaskItem[] BuiltImages { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// When the task began reading the contexts (UTC, round-trip format): the on-build marker takes this time, so that
    /// a file edited during the build is newer than the marker and the next build runs again.
    /// </summary>
    [Output] public string ContextSnapshotTime { get; set; } = "";
}
