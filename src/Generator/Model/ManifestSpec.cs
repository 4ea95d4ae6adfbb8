using ImageDsl.Internal;

namespace ImageDsl.Generator.Model
{
    // What the build step needs to know about a definition beyond its Dockerfile text, recorded in the assembly next
    // to it. Value-equatable for the same reason as ImageSpec.

    /// <summary>A stage of the rendered Dockerfile: its name, its base image (null: FROM a stage) and the indexes of the stages it needs.</summary>
    internal sealed record StageSpec(string? Name, EquatableList<PathPartSpec>? BaseImage, EquatableList<int> Needs);

    /// <summary>A part of a context path or image reference: literal text, or a build argument with its default.</summary>
    internal sealed record PathPartSpec(string? Text, string? Argument, string? Default);

    /// <summary>A path the build reads from its context: "path" (literal) or "pattern" (filepath.Match text).</summary>
    internal sealed record ContextReadSpec(int Stage, string Kind, EquatableList<PathPartSpec> Parts);

    /// <summary>A secret or SSH agent id a stage mounts, and whether the mount is required.</summary>
    internal sealed record MountSpec(int Stage, string Id, bool Required);

    /// <summary>An image a stage copies or mounts from.</summary>
    internal sealed record ImageUseSpec(int Stage, string Reference);

    /// <summary>The stages, context reads, mounted secrets and SSH agents, and images copied from, of one image.</summary>
    internal sealed record ManifestSpec(EquatableList<StageSpec> Stages, EquatableList<ContextReadSpec> Reads, EquatableList<MountSpec> Secrets,
        EquatableList<MountSpec> SshAgents, EquatableList<ImageUseSpec> Images)
    {
        public static ManifestSpec Empty { get; } = new(EquatableList<StageSpec>.Empty, EquatableList<ContextReadSpec>.Empty,
            EquatableList<MountSpec>.Empty, EquatableList<MountSpec>.Empty, EquatableList<ImageUseSpec>.Empty);
    }
}
