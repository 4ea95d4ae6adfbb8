namespace ImageDsl.Build.Metadata;

/// <summary>One image as the generator recorded it in the assembly (GeneratedImageAttribute).</summary>
public sealed record ImageDefinition(
    string Name,
    string Dockerfile,
    string Context,
    IReadOnlyList<string> Tags,
    string? ExpectOutput,
    int ExpectExitCode,
    bool SmokeRun,
    string ManifestJson)
{
    /// <summary>The parsed manifest (stages and context reads).</summary>
    public ImageManifest Manifest => ImageManifest.Parse(ManifestJson);
}
