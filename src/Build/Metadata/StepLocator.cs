using System.Globalization;
using System.Text.RegularExpressions;
using ImageDsl.Build.Diagnostics;
using ImageDsl.Build.Registry;

namespace ImageDsl.Build.Metadata;

/// <summary>
/// Maps a builder's name for a step back to the instruction of the generated Dockerfile, and so to the C# call that
/// wrote it. Each builder numbers steps its own way, and this follows their source:
/// <list type="bullet">
/// <item>the classic builder prints "Step n/m : …" and counts every instruction of the file in order, global ARGs
/// first (builder/dockerfile/build.go);</item>
/// <item>BuildKit names vertexes "[stage i/n] …" (the stage's name; "stage-k" for an unnamed k-th stage; nothing for a
/// single stage) and counts, per stage, the FROM of an image other than scratch, then each RUN, COPY, ADD and WORKDIR
/// (dockerfile2llb's prefixCommand and cmdTotal). Before any step it resolves each image the file names, as
/// "[internal] load metadata for REF" (REF normalized: docker.io/library/…, ":latest" when there is neither tag nor
/// digest; a platform may precede "internal"): that is the FROM naming the image (the first, when several do), else
/// the COPY --from or mount that names it, whose image is a stage of its own, "FROM REF" without a number.</item>
/// </list>
/// Anything that does not parse or does not match the manifest gives null: the error is then reported at the task.
/// </summary>
public static class StepLocator
{
    private static readonly Regex ClassicStep = new(@"^Step (\d+)/\d+ : ", RegexOptions.CultureInvariant);
    private static readonly Regex BuildKitStep = new(@"^\[(?:(?<prefix>[^\]]*) )?(?<index>\d+)/\d+\] ", RegexOptions.CultureInvariant);
    private static readonly Regex BuildKitMetadata = new(@"^\[(?:[^\]]* )?internal\] load metadata for (?<reference>\S+)$", RegexOptions.CultureInvariant);
    private static readonly Regex BuildKitImageSource = new(@"^FROM (?<reference>\S+)$", RegexOptions.CultureInvariant);

    public static ManifestStep? Locate(ImageManifest manifest, string step, IReadOnlyDictionary<string, string> buildArgs)
    {
        var steps = manifest.Steps.Where(s => s.Kind != "comment").ToList();
        if (ClassicStep.Match(step) is { Success: true } classic)
        {
            var number = int.Parse(classic.Groups[1].Value, CultureInfo.InvariantCulture);
            return number >= 1 && number <= steps.Count ? Known(steps[number - 1]) : null;
        }

        if (BuildKitMetadata.Match(step) is { Success: true } metadata)
        {
            var wanted = Normalized(metadata.Groups["reference"].Value);
            if (wanted is null) return null;
            if (steps.FirstOrDefault(s => s.Kind == "from" && s.Stage >= 0 && s.Stage < manifest.Stages.Count
                    && manifest.Stages[s.Stage].BaseImage is { } image && Normalized(PathPart.Resolve(image, buildArgs)) == wanted) is { } from)
            {
                return Known(from);
            }

            return NamingImage(manifest, steps, wanted);
        }

        // An image a COPY --from or mount names is a stage of its own, its vertex "FROM REF" (the digest it resolved to
        // may follow), without the "[stage i/n]" a FROM of the file has.
        if (BuildKitImageSource.Match(step) is { Success: true } source)
        {
            var reference = source.Groups["reference"].Value;
            return NamingImage(manifest, steps, Normalized(reference)) ?? (reference.IndexOf('@') is var at and > 0 ? NamingImage(manifest, steps, Normalized(reference.Substring(0, at))) : null);
        }

        if (BuildKitStep.Match(step) is not { Success: true } buildKit) return null;
        var stage = StageOf(manifest, buildKit.Groups["prefix"].Value);
        if (stage < 0) return null;
        var index = int.Parse(buildKit.Groups["index"].Value, CultureInfo.InvariantCulture);
        var counted = 0;
        foreach (var candidate in steps.Where(s => s.Stage == stage))
        {
            if (Numbered(manifest.Stages[stage], candidate, buildArgs) && ++counted == index) return Known(candidate);
        }

        return null;
    }

    /// <summary>The C# line that wrote the instruction at this place of the file (counted from 0, comments not counted), when known.</summary>
    public static SourceLine? OfInstruction(ImageManifest manifest, int index, string projectDirectory)
    {
        var steps = manifest.Steps.Where(s => s.Kind != "comment").ToList();
        return index >= 0 && index < steps.Count && Known(steps[index]) is { File: { } file } step
            ? new SourceLine(Path.GetFullPath(Path.Combine(projectDirectory, file)), step.Line, step.Column)
            : null;
    }

    // The COPY --from or mount that names the image (the first, when several do).
    private static ManifestStep? NamingImage(ImageManifest manifest, IReadOnlyList<ManifestStep> steps, string? reference) =>
        reference is not null && manifest.Images.FirstOrDefault(i => i.Step is { } index && index >= 0 && index < steps.Count && Normalized(i.Reference) == reference) is { Step: { } at }
            ? Known(steps[at])
            : null;

    /// <summary>The C# line where [Image] names the image, when known: where its container checks' failures are reported.</summary>
    public static SourceLine? OfDeclaration(ImageManifest manifest, string projectDirectory) =>
        manifest.Declared is { File: { } file } declared ? new SourceLine(Path.GetFullPath(Path.Combine(projectDirectory, file)), declared.Line, declared.Column) : null;

    /// <summary>The C# line that wrote the stage (its first instruction placed in the source), when known.</summary>
    public static SourceLine? OfStage(ImageManifest manifest, int stage, string projectDirectory) =>
        manifest.Steps.FirstOrDefault(s => s.Stage == stage && s.Kind != "comment" && s.File is not null) is { File: { } file } step
            ? new SourceLine(Path.GetFullPath(Path.Combine(projectDirectory, file)), step.Line, step.Column)
            : null;

    /// <summary>The error at the C# line of its step, when the exception names a step the manifest can place.</summary>
    public static void Attach(ImageDslException error, ImageManifest manifest, IReadOnlyDictionary<string, string> buildArgs, string projectDirectory)
    {
        if (error.Step is null || Locate(manifest, error.Step, buildArgs) is not { File: { } file } found) return;
        error.Origin = new SourceLine(Path.GetFullPath(Path.Combine(projectDirectory, file)), found.Line, found.Column);
    }

    // An image reference as BuildKit prints it (reference.TagNameOnly(ParseNormalizedNamed)); null when it is none.
    private static string? Normalized(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var named = at < 0 ? reference : reference.Substring(0, at);
        var digest = at < 0 ? "" : reference.Substring(at);
        try
        {
            var parsed = ImageReference.Parse(named);
            var tagged = named.LastIndexOf(':') > named.LastIndexOf('/');
            return digest.Length > 0 && !tagged ? $"{parsed.Registry}/{parsed.Repository}{digest}" : parsed.FullName + digest;
        }
        catch (ImageDslException)
        {
            return null;
        }
    }

    // The stage part of "[name i/n]": a platform may come first when BuildKit prefixes it ("linux/amd64 build").
    private static int StageOf(ImageManifest manifest, string prefix)
    {
        if (manifest.Stages.Count == 0) return -1;
        var name = prefix.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(p => !p.Contains('/', StringComparison.Ordinal));
        if (name is null) return manifest.Stages.Count == 1 ? 0 : -1;
        for (var i = 0; i < manifest.Stages.Count; i++)
        {
            if (string.Equals(manifest.Stages[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        }

        return name.StartsWith("stage-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && k < manifest.Stages.Count && manifest.Stages[k].Name is null ? k : -1;
    }

    private static bool Numbered(ManifestStage stage, ManifestStep step, IReadOnlyDictionary<string, string> buildArgs) => step.Kind switch
    {
        "from" => stage.BaseImage is { } image && PathPart.Resolve(image, buildArgs) != "scratch",
        "run" or "copy" or "add" or "workdir" => true,
        _ => false,
    };

    private static ManifestStep? Known(ManifestStep step) => step.File is null ? null : step;
}
