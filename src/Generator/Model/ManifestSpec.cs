using ImageDsl.Internal;

namespace ImageDsl.Generator.Model
{
    // What the build step needs to know about a definition beyond its Dockerfile text, recorded in the assembly next
    // to it. Value-equatable for the same reason as ImageSpec.

    /// <summary>
    /// A stage of the rendered Dockerfile: its name, its base image (null: FROM the stage From), the indexes of the stages it
    /// needs, the build arguments that an ENV of its base image would hide, the label keys the stage sets (its own and
    /// those of the stages it starts from), and the project it publishes (DotNet.InImagePublish; null for other stages).
    /// </summary>
    internal sealed record StageSpec(string? Name, EquatableList<PathPartSpec>? BaseImage, int? From, EquatableList<int> Needs, EquatableList<ExposedSpec> Exposed, EquatableList<string> Labels,
        string? Publishes = null);

    /// <summary>A build argument an ENV of the base image could hide: its name, its default (null: none), and the place (among the file's instructions) of the first that expands it.</summary>
    internal sealed record ExposedSpec(string Name, EquatableList<PathPartSpec>? Default, int Step);

    /// <summary>
    /// A part of a context path or image reference: literal text, or a build argument with its default (null: none),
    /// whose own parts may refer to other build arguments.
    /// </summary>
    internal sealed record PathPartSpec(string? Text, string? Argument, EquatableList<PathPartSpec>? Default);

    /// <summary>A path the build reads from its context: "path" (literal) or "pattern" (filepath.Match text).</summary>
    internal sealed record ContextReadSpec(int Stage, string Kind, EquatableList<PathPartSpec> Parts);

    /// <summary>A secret or SSH agent id a stage mounts, and whether the mount is required.</summary>
    internal sealed record MountSpec(int Stage, string Id, bool Required);

    /// <summary>An image a stage copies or mounts from.</summary>
    internal sealed record ImageUseSpec(int Stage, string Reference, int Step);

    /// <summary>
    /// An instruction of the rendered Dockerfile, in file order, and the C# call that wrote it: the build step maps a
    /// failed builder step back to it. Stage -1 is a global ARG. Kind is what the builders number steps by: "from",
    /// "run", "copy", "add", "workdir", "comment" (not an instruction) or "other".
    /// </summary>
    internal sealed record StepSpec(int Stage, string Kind, LocationInfo? Location);

    /// <summary>The HTTP probe of the smoke run: the container port, the path, the expected status and body text.</summary>
    internal sealed record ProbeSpec(int Port, string Path, int Status, string? Body);

    /// <summary>How the smoke run decides a server without HTTP is up: a text in its output, or its HEALTHCHECK saying healthy.</summary>
    internal sealed record WaitSpec(string? Log, bool Healthy);

    /// <summary>The stages, context reads, mounted secrets and SSH agents, images copied from, and steps of one image.</summary>
    internal sealed record ManifestSpec(EquatableList<StageSpec> Stages, EquatableList<ContextReadSpec> Reads, EquatableList<MountSpec> Secrets,
        EquatableList<MountSpec> SshAgents, EquatableList<ImageUseSpec> Images, EquatableList<StepSpec> Steps)
    {
        public static ManifestSpec Empty { get; } = new(EquatableList<StageSpec>.Empty, EquatableList<ContextReadSpec>.Empty,
            EquatableList<MountSpec>.Empty, EquatableList<MountSpec>.Empty, EquatableList<ImageUseSpec>.Empty, EquatableList<StepSpec>.Empty);
    }
}
