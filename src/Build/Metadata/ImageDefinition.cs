namespace ImageDsl.Build.Metadata;

/// <summary>One image as the generator recorded it in the assembly (GeneratedImageAttribute).</summary>
public sealed record ImageDefinition(
    string Name,
    string Dockerfile,
    string Context,
    IReadOnlyList<string> Tags,
    string? ExpectOutput,
    int ExpectExitCode,
    bool SmokeRun);
