using Microsoft.Build.Framework;

namespace ImageDsl.Build.Tasks;

/// <summary>
/// Reads the images a built assembly defines (from its metadata; no user code runs) and writes their Dockerfiles:
/// always under <see cref="IntermediateDirectory"/>, and into <see cref="CheckedInDirectory"/> when set.
/// </summary>
public sealed partial class WriteDockerfiles
{
    /// <summary>The compiled assembly that carries the generator's GeneratedImageAttribute records.</summary>
    [Required] public string AssemblyPath { get; set; } = "";

    /// <summary>The project directory: build contexts are relative to it.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>The project file itself, which <c>DotNet.HostPublish()</c> publishes.</summary>
    public string ProjectPath { get; set; } = "";

    /// <summary>Where the build's copies go (obj/…/imagedsl/).</summary>
    [Required] public string IntermediateDirectory { get; set; } = "";

    /// <summary>A folder for reviewed, checked-in copies (ImageDslDockerfileDirectory); empty for none.</summary>
    public string? CheckedInDirectory { get; set; }

    /// <summary>Fail with IMAGEDSL2001 and a diff when a checked-in copy is stale, instead of updating it (ImageDslCheckDockerfiles).</summary>
    public bool Check { get; set; }

    /// <summary>Tags for every image, ';'-separated (ContainerImageTags, or ContainerImageTag); empty: each [Image]'s own.</summary>
    public string? ImageTags { get; set; }

    /// <summary>The repository of the project's only image (ContainerRepository); empty: the name in [Image].</summary>
    public string? Repository { get; set; }

    /// <summary>Per-image overrides (ImageDslImage items): Include = the name in [Image], metadata Repository and Tags.</summary>
    public ITaskItem[] ImageOverrides { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// One item per image (Include = its repository, metadata DefinedName = the name in [Image]) with metadata DockerfilePath, ManifestPath, ContextDirectory, Tags (';'-separated),
    /// ExpectOutput, ExpectExitCode and SmokeRun.
    /// </summary>
    [Output] public ITaskItem[] Images { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The projects to publish on the host before building (Include = project file, metadata Key: its folder under .imagedsl/publish/).</summary>
    [Output] public ITaskItem[] HostPublish { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Whether a definition reads .imagedsl/feed/ (DotNet.InImagePublish): the ImageDsl package goes there.</summary>
    [Output] public bool ReadsFeed { get; set; }

    /// <summary>
    /// The projects <c>DotNet.InImagePublish</c> stages publish whose folder holds a NuGet configuration (Include = the
    /// project file, metadata Self: whether it is this project): the targets ask MSBuild for their publish items, and
    /// BuildImages says which would ship such a file (IMAGEDSL2033).
    /// </summary>
    [Output] public ITaskItem[] InImagePublish { get; set; } = Array.Empty<ITaskItem>();
}
