using System.Text;
using System.Text.Json;

namespace ImageDsl.Build.Metadata;

/// <summary>
/// A stage of the generated Dockerfile: its name (if any), its base image (null: FROM the stage <c>From</c>), the
/// indexes of the stages it needs, the build arguments it expands where only the environment of the base image at the
/// root of its lineage could hold that name, the label keys the definition sets in the stage (its own LABELs and
/// those of the stages it starts from), and the project it publishes (<c>DotNet.InImagePublish</c>'s stage: the project
/// file's path from the context's root; null for other stages).
/// </summary>
public sealed record ManifestStage(string? Name, IReadOnlyList<PathPart>? BaseImage, IReadOnlyList<int> Needs, IReadOnlyList<ExposedArgument>? Exposes = null,
    IReadOnlyList<string>? Labels = null, int? From = null, string? Publishes = null);

/// <summary>A build argument an ENV of the base image could hide: its name, its default (null: none; see <see cref="PathPart"/>), and the first instruction (counted as <see cref="StepLocator.OfInstruction"/> does) that expands it.</summary>
public sealed record ExposedArgument(string Name, IReadOnlyList<PathPart>? Default, int Step)
{
    /// <summary>The argument's value: the given one, else its default resolved with the given values; null when it has neither.</summary>
    public string? Value(IReadOnlyDictionary<string, string> buildArgs) => PathPart.ValueOf(Name, Default, buildArgs);
}

/// <summary>
/// A part of a context path or image reference: literal text, or a build argument (with its default: null for none,
/// else parts that may refer to other build arguments) that docker substitutes.
/// </summary>
public sealed record PathPart(string? Text, string? Argument, IReadOnlyList<PathPart>? Default)
{
    /// <summary>The text with build arguments substituted: a given value, else the default (its own arguments substituted alike), else empty — as docker does.</summary>
    public static string Resolve(IEnumerable<PathPart> parts, IReadOnlyDictionary<string, string> buildArgs)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part.Text ?? ValueOf(part.Argument!, part.Default, buildArgs) ?? "");
        }

        return text.ToString();
    }

    /// <summary>A build argument's value: the given one, else its default resolved with the given values; null when it has neither.</summary>
    public static string? ValueOf(string name, IReadOnlyList<PathPart>? defaultValue, IReadOnlyDictionary<string, string> buildArgs) =>
        buildArgs.TryGetValue(name, out var given) ? given : defaultValue is null ? null : Resolve(defaultValue, buildArgs);

    public static IReadOnlyList<PathPart> Parse(JsonElement parts) =>
        parts.EnumerateArray().Select(p => p.TryGetProperty("text", out var text)
            ? new PathPart(text.GetString(), null, null)
            : new PathPart(null, p.GetProperty("arg").GetString(), ParseDefault(p.GetProperty("default")))).ToArray();

    /// <summary>A default as the generator writes it: null, its text, or [parts].</summary>
    public static IReadOnlyList<PathPart>? ParseDefault(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Array => Parse(value),
        _ => Literal(value.GetString()!),
    };

    /// <summary>Literal text as parts.</summary>
    public static IReadOnlyList<PathPart> Literal(string text) => new[] { new PathPart(text, null, null) };
}

/// <summary>
/// A path a stage reads from the build context: a literal path (COPY/ADD source, bind mount source) or a pattern in
/// filepath.Match syntax, as the generator recorded it.
/// </summary>
public sealed record ContextPath(int Stage, bool IsPattern, IReadOnlyList<PathPart> Parts)
{
    /// <summary>The text with build arguments substituted (see <see cref="PathPart.Resolve"/>).</summary>
    public string Resolve(IReadOnlyDictionary<string, string> buildArgs) => PathPart.Resolve(Parts, buildArgs);
}

/// <summary>A secret or SSH agent id a stage's RUN mounts, and whether the mount is required.</summary>
public sealed record MountedId(int Stage, string Id, bool Required);

/// <summary>An image a stage copies or mounts from, and the instruction that names it (counted as <see cref="StepLocator.OfInstruction"/> does; null when the assembly predates it).</summary>
public sealed record ImageUse(int Stage, string Reference, int? Step = null);

/// <summary>The smoke run's HTTP probe ([Image] ProbePort, ProbePath, ProbeStatus, ProbeBody).</summary>
public sealed record HttpProbe(int Port, string Path, int Status, string? Body);

/// <summary>A structure check from <c>Checks()</c>: file, directory, absent, nonroot, env, port or entrypoint, with its subject and, for paths, a mode and numeric owner.</summary>
public sealed record StructureCheck(string Kind, string Subject, int? Mode, string? Owner);

/// <summary>How the smoke run knows a server without HTTP is up ([Image] ExpectLog or WaitHealthy).</summary>
public sealed record ServerWait(string? Log, bool Healthy);

/// <summary>
/// An instruction of the generated Dockerfile, in file order (stage -1: a global ARG), its kind (from, run, copy, add,
/// workdir, comment, other) and the C# call that wrote it (file relative to the project directory; null when unknown).
/// </summary>
public sealed record ManifestStep(int Stage, string Kind, string? File, int Line, int Column);

/// <summary>
/// What the generator knows about an image beyond its Dockerfile: its stages, what they read from the context, the
/// secrets and SSH agents they mount, and the images they copy from.
/// </summary>
public sealed record ImageManifest(IReadOnlyList<ManifestStage> Stages, IReadOnlyList<ContextPath> Reads, IReadOnlyList<MountedId> Secrets,
    IReadOnlyList<MountedId> SshAgents, IReadOnlyList<ImageUse> Images, IReadOnlyList<ManifestStep> Steps, HttpProbe? Probe = null, ServerWait? Wait = null, IReadOnlyList<StructureCheck>? Checks = null,
    ManifestStep? Declared = null)
{
    public static ImageManifest Empty { get; } = new(Array.Empty<ManifestStage>(), Array.Empty<ContextPath>(), Array.Empty<MountedId>(), Array.Empty<MountedId>(),
        Array.Empty<ImageUse>(), Array.Empty<ManifestStep>());

    /// <summary>The context reads of the stages a build of <paramref name="target"/> (default: the last stage) runs.</summary>
    public IEnumerable<ContextPath> ReadsFor(string? target) => ForTarget(target).Reads;

    /// <summary>
    /// The manifest of a build of <paramref name="target"/> (default: the last stage): only the stages it runs — the
    /// target and every stage it needs — keep their reads, mounts and images.
    /// </summary>
    public ImageManifest ForTarget(string? target)
    {
        var start = TargetIndex(target);
        if (start < 0) return this; // no stages recorded, or an unknown target, which fails in the daemon with its own message
        var reachable = new HashSet<int>();
        var pending = new Stack<int>(new[] { start });
        while (pending.Count > 0)
        {
            var stage = pending.Pop();
            if (!reachable.Add(stage)) continue;
            foreach (var needed in Stages[stage].Needs) pending.Push(needed);
        }

        return this with
        {
            Reads = Reads.Where(r => reachable.Contains(r.Stage)).ToArray(),
            Secrets = Secrets.Where(m => reachable.Contains(m.Stage)).ToArray(),
            SshAgents = SshAgents.Where(m => reachable.Contains(m.Stage)).ToArray(),
            Images = Images.Where(i => reachable.Contains(i.Stage)).ToArray(),
            Stages = Stages.Select((s, i) => reachable.Contains(i) ? s : s with { Exposes = null, Publishes = null }).ToArray(),
        };
    }

    /// <summary>The label keys the definition sets in the stage a build of <paramref name="target"/> (default: the last stage) makes.</summary>
    public IReadOnlyList<string> LabelsOf(string? target) => TargetIndex(target) is var index && index >= 0 ? Stages[index].Labels ?? Array.Empty<string>() : Array.Empty<string>();

    private int TargetIndex(string? target) =>
        Stages.Count == 0 ? -1
        : string.IsNullOrEmpty(target) ? Stages.Count - 1
        : Stages.Select((s, i) => (s, i)).FirstOrDefault(x => string.Equals(x.s.Name, target, StringComparison.OrdinalIgnoreCase), (null!, -1)).Item2;

    /// <summary>Every image a build with these build arguments pulls: FROM images (arguments substituted) and images copied from.</summary>
    public IEnumerable<string> ImageReferences(IReadOnlyDictionary<string, string> buildArgs) =>
        Stages.Where(s => s.BaseImage is not null).Select(s => PathPart.Resolve(s.BaseImage!, buildArgs))
            .Where(r => !string.Equals(r, "scratch", StringComparison.OrdinalIgnoreCase))
            .Concat(Images.Select(i => i.Reference)).Distinct(StringComparer.Ordinal);

    public static ImageManifest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var stages = root.GetProperty("stages").EnumerateArray()
            .Select(s => new ManifestStage(s.GetProperty("name").GetString(),
                s.GetProperty("base").ValueKind == JsonValueKind.Null ? null : PathPart.Parse(s.GetProperty("base")),
                s.GetProperty("needs").EnumerateArray().Select(n => n.GetInt32()).ToArray(),
                s.TryGetProperty("exposes", out var exposes)
                    ? exposes.EnumerateArray().Select(e => new ExposedArgument(e.GetProperty("arg").GetString()!, PathPart.ParseDefault(e.GetProperty("default")), e.GetProperty("step").GetInt32())).ToArray()
                    : null,
                s.TryGetProperty("labels", out var labels) ? labels.EnumerateArray().Select(l => l.GetString()!).ToArray() : null,
                s.TryGetProperty("from", out var from) ? from.GetInt32() : null,
                s.TryGetProperty("publishes", out var publishes) ? publishes.GetString() : null))
            .ToArray();
        var reads = root.GetProperty("reads").EnumerateArray()
            .Select(r => new ContextPath(r.GetProperty("stage").GetInt32(), r.GetProperty("kind").GetString() == "pattern", PathPart.Parse(r.GetProperty("parts"))))
            .ToArray();
        static MountedId[] Mounts(JsonElement array) =>
            array.EnumerateArray().Select(m => new MountedId(m.GetProperty("stage").GetInt32(), m.GetProperty("id").GetString()!, m.GetProperty("required").GetBoolean())).ToArray();
        var images = root.GetProperty("images").EnumerateArray()
            .Select(i => new ImageUse(i.GetProperty("stage").GetInt32(), i.GetProperty("ref").GetString()!, i.TryGetProperty("step", out var step) ? step.GetInt32() : null)).ToArray();
        // Assemblies built by an ImageDsl without step locations have none; their failures are reported at the task.
        var steps = root.TryGetProperty("steps", out var stepArray)
            ? stepArray.EnumerateArray().Select(s => new ManifestStep(s.GetProperty("stage").GetInt32(), s.GetProperty("kind").GetString()!,
                s.GetProperty("file").GetString(), s.GetProperty("line").GetInt32(), s.GetProperty("column").GetInt32())).ToArray()
            : Array.Empty<ManifestStep>();
        var probe = root.TryGetProperty("probe", out var p)
            ? new HttpProbe(p.GetProperty("port").GetInt32(), p.GetProperty("path").GetString()!, p.GetProperty("status").GetInt32(), p.GetProperty("body").GetString())
            : null;
        var wait = root.TryGetProperty("wait", out var w) ? new ServerWait(w.GetProperty("log").GetString(), w.GetProperty("healthy").GetBoolean()) : null;
        var checks = root.TryGetProperty("checks", out var c)
            ? c.EnumerateArray().Select(x => new StructureCheck(x.GetProperty("kind").GetString()!, x.GetProperty("subject").GetString()!,
                x.GetProperty("mode").ValueKind == JsonValueKind.Null ? null : x.GetProperty("mode").GetInt32(), x.GetProperty("owner").GetString())).ToArray()
            : null;
        // Where [Image] names the image (kind "image", no stage): its container checks' failures are reported there.
        var declared = root.TryGetProperty("declared", out var d)
            ? new ManifestStep(-1, "image", d.GetProperty("file").GetString(), d.GetProperty("line").GetInt32(), d.GetProperty("column").GetInt32())
            : null;
        return new ImageManifest(stages, reads, Mounts(root.GetProperty("secrets")), Mounts(root.GetProperty("ssh")), images, steps, probe, wait, checks, declared);
    }

    /// <summary>
    /// A stage's environment starts as its base image's Env, and docker expands ${NAME} from it too. The classic builder
    /// always takes the variable (<paramref name="environmentWins"/>); BuildKit takes whichever was set last, so an ARG
    /// with a value, declared after the inherited variable, wins, and one without a value leaves the variable. Where
    /// the base's variable would be expanded in place of the argument's value (empty for one without a value), the
    /// image would not be what the definition says (IMAGEDSL2026). <paramref name="environmentOf"/> gives a base image's
    /// Env, or null when it cannot be known before the build. A stage FROM another stage is checked against the image
    /// at the root of its lineage.
    /// </summary>
    public async Task CheckHiddenArgumentsAsync(string imageName, IReadOnlyDictionary<string, string> buildArgs, bool environmentWins,
        Func<string, Task<IReadOnlyList<string>?>> environmentOf, string? projectDirectory)
    {
        var environments = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        for (var i = 0; i < Stages.Count; i++)
        {
            if (Stages[i].Exposes is not { Count: > 0 } exposed) continue;
            var root = i;
            while (Stages[root].BaseImage is null && Stages[root].From is { } from && from < root) root = from;
            if (Stages[root].BaseImage is not { } parts) continue;
            var reference = PathPart.Resolve(parts, buildArgs);
            if (string.Equals(reference, "scratch", StringComparison.OrdinalIgnoreCase)) continue;
            if (!environments.TryGetValue(reference, out var environment)) environments[reference] = environment = await environmentOf(reference).ConfigureAwait(false);
            if (environment is null) continue;
            foreach (var argument in exposed)
            {
                var value = argument.Value(buildArgs);
                var variable = environment.FirstOrDefault(e => Parsing.EnvEntry.NameOf(e) == argument.Name);
                if (variable is null) continue;
                var inherited = Parsing.EnvEntry.Split(variable).Value;
                var expanded = environmentWins || value is null ? inherited : value;
                if (expanded != (value ?? ""))
                {
                    var origin = projectDirectory is null ? null : StepLocator.OfInstruction(this, argument.Step, projectDirectory);
                    throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.ArgumentHiddenByEnv, imageName, argument.Name, $"in the stage FROM {reference}", reference)
                    {
                        Origin = origin,
                    };
                }
            }
        }
    }

    /// <summary>
    /// Every FROM image with this build's build arguments substituted must be an image reference (or scratch), and must
    /// not be the name of a stage of the same file, which docker would use instead (IMAGEDSL2012). The generator
    /// checks the defaults; this checks the values the build really uses, before anything is sent.
    /// </summary>
    public void CheckBaseImages(string imageName, IReadOnlyDictionary<string, string> buildArgs)
    {
        var names = new HashSet<string>(Stages.Where(s => s.Name is not null).Select(s => s.Name!), StringComparer.OrdinalIgnoreCase);
        foreach (var stage in Stages)
        {
            if (stage.BaseImage is not { } parts || parts.All(p => p.Text is not null)) continue;
            var written = string.Concat(parts.Select(p => p.Text ?? "${" + p.Argument + "}"));
            var resolved = PathPart.Resolve(parts, buildArgs);
            if (names.Contains(resolved))
            {
                throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.InvalidBaseImage, imageName, written, resolved,
                    $"that is the name of a stage of the same Dockerfile, which docker would start from instead of the image; pass another value");
            }

            if (!string.Equals(resolved, "scratch", StringComparison.OrdinalIgnoreCase) && !Rendering.ReferenceGrammar.IsImageReference(resolved))
            {
                throw new Diagnostics.ImageDslException(Diagnostics.ErrorCodes.InvalidBaseImage, imageName, written, resolved,
                    "that is not an image reference ([registry/]name[:tag][@digest], lowercase name); pass a valid value with ImageDslBuildArgs or ImageDslBuildArg");
            }
        }
    }
}
