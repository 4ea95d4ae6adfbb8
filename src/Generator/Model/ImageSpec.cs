using ImageDsl.Internal;

namespace ImageDsl.Generator.Model
{
    // The generator's model of one [Image] class. It must stay value-equatable (strings, records, EquatableList —
    // no ISymbol, SyntaxNode, Location or Compilation): the incremental pipeline compares it with the previous run's
    // to decide whether the output step runs again, which is what makes an unrelated edit cost nothing.

    /// <summary>A type that encloses the [Image] class, re-declared as partial around the generated members.</summary>
    internal sealed record ContainingType(string Keyword, string Name);

    /// <summary>Everything the emitter needs for one image, plus the diagnostics found while parsing it.</summary>
    internal sealed record ImageSpec(
        string? Namespace,
        EquatableList<ContainingType> ContainingTypes,
        string ClassName,
        string ImageName,
        LocationInfo? ImageNameLocation,
        string Context,
        EquatableList<string> Tags,
        string? ExpectOutput,
        int ExpectExitCode,
        bool SmokeRun,
        ProbeSpec? Probe,
        WaitSpec? Wait,
        string? ChecksJson,
        string? DockerfileText,
        ManifestSpec Manifest,
        EquatableList<DiagnosticInfo> Diagnostics);
}
